package io.streamcast.edge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.logging.Logger;

/**
 * HTTPS on the edge port ({@code --tls-cert}, {@code --tls-key}): HTTP/2 and HTTP/1.1 offered by ALPN,
 * and a renewed certificate picked up without a restart.
 *
 * <p>Why HTTP/2: a browser opens at most 6 HTTP/1.1 connections per origin, so a page's seventh
 * {@code EventSource} waits for one of the others to close; over HTTP/2 each is a stream of one
 * connection (up to the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS}, 100 by Vert.x's default).
 * Browsers speak HTTP/2 only over TLS, hence both come with these flags. Over HTTP/2 a subscription
 * writes through {@code HttpServerResponse.write} ({@link ChunkWriter} is for HTTP/1.1 only).
 */
final class EdgeTls {

  /** How often the files are checked for a renewal: two {@code stat}s, off the event loop. */
  static final long CHECK_EVERY_MILLIS = 5_000;

  private static final Logger LOG = Logger.getLogger(EdgeTls.class.getName());

  private final Vertx vertx;
  private final EdgeConfig.TlsFiles files;
  private final HttpServerOptions options;
  private String seen;
  private boolean checking;

  private EdgeTls(Vertx vertx, EdgeConfig.TlsFiles files, HttpServerOptions options) {
    this.vertx = vertx;
    this.files = files;
    this.options = options;
  }

  /**
   * Turns {@code options} into HTTPS with ALPN {@code h2} then {@code http/1.1}.
   *
   * @return a watcher to {@link #watch} once the server listens
   */
  static EdgeTls configure(Vertx vertx, EdgeConfig.TlsFiles files, HttpServerOptions options) {
    options.setSsl(true)
        .setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .setKeyCertOptions(keyCert(files));
    return new EdgeTls(vertx, files, options);
  }

  private static PemKeyCertOptions keyCert(EdgeConfig.TlsFiles files) {
    return new PemKeyCertOptions().setCertPath(files.certPath()).setKeyPath(files.keyPath());
  }

  /**
   * Checks the two files every {@link #CHECK_EVERY_MILLIS}; when either changed (time or size), loads
   * them into {@code server} for new connections ({@code HttpServer.updateSSLOptions}; open ones keep
   * their session). A pair that does not load (a half-written renewal: the new certificate with the old
   * key) is logged and the server keeps the certificate it had; the next change is tried again.
   *
   * @return the periodic timer's id
   */
  long watch(HttpServer server) {
    fingerprint().onSuccess(f -> seen = f);
    return vertx.setPeriodic(CHECK_EVERY_MILLIS, id -> {
      if (checking) {
        return;
      }
      checking = true;
      fingerprint().compose(f -> {
        if (f.equals(seen)) {
          return Future.succeededFuture();
        }
        seen = f;
        ServerSSLOptions ssl = options.getSslOptions().copy().setKeyCertOptions(keyCert(files));
        // force: the options are equal to the old ones (same paths); only the files' content changed
        return server.updateSSLOptions(ssl, true)
            .onSuccess(updated -> LOG.info("TLS certificate reloaded from " + files.certPath()))
            .onFailure(e -> LOG.warning("TLS certificate " + files.certPath() + " changed but could not be loaded"
                + " (keeping the previous one): " + String.valueOf(e.getMessage()).replace('\n', ' ')))
            .<Void>mapEmpty()
            .recover(e -> Future.succeededFuture());
      }).onComplete(ar -> checking = false);
    });
  }

  private Future<String> fingerprint() {
    return Future.all(vertx.fileSystem().props(files.certPath()), vertx.fileSystem().props(files.keyPath()))
        .map(all -> {
          FileProps cert = all.resultAt(0);
          FileProps key = all.resultAt(1);
          return cert.lastModifiedTime() + "/" + cert.size() + "/" + key.lastModifiedTime() + "/" + key.size();
        })
        // a file briefly missing during a renewal: keep the last fingerprint, look again next time
        .recover(e -> Future.succeededFuture(seen == null ? "" : seen));
  }
}
