package io.streamcast.app;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** Raw publish calls over HTTP, so tests see exactly the status and JSON a user would. */
final class Publishing {

  /** A publish answer. */
  record Answer(int status, JsonObject body, io.vertx.core.MultiMap headers) {
    String id() {
      return body.getString("id");
    }
  }

  private Publishing() {
  }

  static Future<Answer> post(HttpClient client, String url, Buffer body, Map<String, String> headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url);
    headers.forEach(options::addHeader);
    return LoopHttpClient.call(client, () -> client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(),
            b.length() == 0 ? new JsonObject() : new JsonObject(b), resp.headers()))));
  }

  static Future<Answer> publish(HttpClient client, String base, String stream, String data) {
    return post(client, base + "/streams/" + stream, Buffer.buffer(data), Map.of("Content-Type", "text/plain"));
  }

  static Future<Answer> get(HttpClient client, String url) {
    return request(client, HttpMethod.GET, url);
  }

  /**
   * A GET with headers whose JSON body (if any) is read: what a refused client gets. A stream that
   * started instead (200, not JSON) is closed at once; only its status matters to the caller.
   */
  static Future<Answer> get(HttpClient client, String url, Map<String, String> headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url);
    headers.forEach(options::addHeader);
    return LoopHttpClient.call(client, () -> client.request(options).compose(req -> req.send())
        .compose(resp -> resp.statusCode() == 200 && !"application/json".equals(resp.getHeader("Content-Type"))
            ? Future.succeededFuture(new Answer(200, new JsonObject(), resp.headers()))
                .onComplete(x -> resp.request().connection().close())
            : resp.body().map(b -> new Answer(resp.statusCode(),
                "application/json".equals(resp.getHeader("Content-Type")) ? new JsonObject(b) : new JsonObject(),
                resp.headers()))));
  }

  /** A request without a body, with any method. */
  static Future<Answer> request(HttpClient client, HttpMethod method, String url) {
    return request(client, method, url, Map.of());
  }

  /** A request without a body, with any method and these headers. */
  static Future<Answer> request(HttpClient client, HttpMethod method, String url, Map<String, String> headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(url);
    headers.forEach(options::addHeader);
    return LoopHttpClient.call(client, () -> client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(),
            b.length() == 0 ? new JsonObject() : new JsonObject(b), resp.headers()))));
  }

  /** Publishes {@code count} events {@code <prefix><i>;<padding>} one after the other (ordered). */
  static Future<Void> publishSequence(HttpClient client, String base, String stream, String prefix, int from, int count,
      String padding) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = from; i < from + count; i++) {
      String data = prefix + i + ";" + padding;
      chain = chain.compose(v -> publish(client, base, stream, data).compose(a -> a.status() == 201
          ? Future.succeededFuture() : Future.failedFuture("publish failed: " + a.status() + " " + a.body())));
    }
    return chain;
  }

  /** Publishes {@code count} events {@code prefix0..} one after the other (ordered). */
  static Future<Void> publishSequence(HttpClient client, String base, String stream, String prefix, int from, int count) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = from; i < from + count; i++) {
      String data = prefix + i;
      chain = chain.compose(v -> publish(client, base, stream, data).compose(a -> a.status() == 201
          ? Future.succeededFuture() : Future.failedFuture("publish failed: " + a.status() + " " + a.body())));
    }
    return chain;
  }
}
