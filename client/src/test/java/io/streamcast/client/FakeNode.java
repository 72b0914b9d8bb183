package io.streamcast.client;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A stand-in for a Streamcast node: an HTTP server on 127.0.0.1, on a port the OS picks, that records every
 * request and answers with the behaviour a test gives it.
 */
final class FakeNode {

  /** A request as the node received it; the body is read in full before the behaviour runs. */
  record Received(String method, String uri, MultiMap headers, String body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  private final HttpServer server;
  private final List<Received> requests = new CopyOnWriteArrayList<>();

  private FakeNode(HttpServer server) {
    this.server = server;
  }

  /**
   * @param behaviour answers a request; it gets the request, its body already read
   * @return the node, listening
   */
  static Future<FakeNode> start(Vertx vertx, BiConsumer<HttpServerRequest, Received> behaviour) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    FakeNode node = new FakeNode(server);
    server.requestHandler(request -> request.body().onSuccess(body -> {
      Received received = new Received(request.method().name(), request.uri(),
        MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString());
      node.requests.add(received);
      behaviour.accept(request, received);
    }));
    return server.listen().map(node);
  }

  /** @return the URL of a node that refuses connections: a port that was just freed */
  static Future<String> deadUrl(Vertx vertx) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    return server.requestHandler(request -> { }).listen()
      .compose(listening -> {
        String url = "http://127.0.0.1:" + listening.actualPort();
        return listening.close().map(url);
      });
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  List<Received> requests() {
    return requests;
  }

  /** Starts an SSE answer, headers flushed, as a node does. */
  static HttpServerResponse openStream(HttpServerRequest request) {
    HttpServerResponse response = request.response()
      .setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache");
    response.writeHead();
    return response;
  }

  /** Answers with a Streamcast JSON error. */
  static void error(HttpServerRequest request, int status, String code, String retryAfter) {
    HttpServerResponse response = request.response().setStatusCode(status)
      .putHeader("Content-Type", "application/json");
    if (retryAfter != null) {
      response.putHeader("Retry-After", retryAfter);
    }
    response.end(Buffer.buffer("{\"error\":\"" + code + "\",\"message\":\"fake " + code + "\"}"));
  }
}
