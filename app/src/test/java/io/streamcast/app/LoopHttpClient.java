package io.streamcast.app;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP client of tests that run on JUnit's thread: every request, and every callback chained on
 * it, is set up on this client's one event-loop context ({@link #call}).
 *
 * <p>Why: Vert.x hands an answer's body and end (or an event stream's first events) to whatever
 * handlers the response has when they arrive on the event loop. A chain such as
 * {@code client.request(o).compose(r -> r.send()).compose(resp -> resp.body())} built on JUnit's
 * thread attaches its later steps from that thread; when the answer arrives between two of them (a
 * fast loopback answer, a test thread descheduled on a busy machine) the body or the events are gone
 * before the handler is there, and the test waits for something that came and went. 20,000 GETs in a
 * row from a plain thread against a trivial Node.js server lost 3 to 7 bodies per run (the server
 * had sent every answer); with the chain built on the event loop, none in 60,000. That was the
 * "request hangs" flake of {@code CorsTest}, {@code NginxProxyTest} and {@code EdgeTlsTest}.
 *
 * <p>So {@link #request} refuses to be called from anywhere but this client's context: a chain
 * built outside {@link #call} fails at once instead of now and then.
 */
public final class LoopHttpClient implements HttpClient {

  private final HttpClient delegate;
  private final Context context;

  private LoopHttpClient(HttpClient delegate, Context context) {
    this.delegate = delegate;
    this.context = context;
  }

  /** @return a client with Vert.x's default options on a new event-loop context of {@code vertx} */
  public static LoopHttpClient create(Vertx vertx) {
    return create(vertx, new HttpClientOptions(), new PoolOptions());
  }

  /** @return a client with these options on a new event-loop context of {@code vertx} */
  public static LoopHttpClient create(Vertx vertx, HttpClientOptions options) {
    return create(vertx, options, new PoolOptions());
  }

  /** @return a client with this pool on a new event-loop context of {@code vertx} */
  public static LoopHttpClient create(Vertx vertx, PoolOptions pool) {
    return create(vertx, new HttpClientOptions(), pool);
  }

  /** @return a client with these options and pool on a new event-loop context of {@code vertx} */
  public static LoopHttpClient create(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
    if (Vertx.currentContext() != null) {
      throw new IllegalStateException("create a LoopHttpClient on the test's own thread, not on a Vert.x thread");
    }
    // called off Vert.x, getOrCreateContext makes a new event-loop context each time
    return new LoopHttpClient(vertx.createHttpClient(options, pool), vertx.getOrCreateContext());
  }

  /**
   * Runs {@code chain} on this client's event loop, so every handler it attaches is in place before
   * any answer can arrive.
   *
   * @return what {@code chain} returns, completed on this client's context
   */
  public <T> Future<T> call(Supplier<Future<T>> chain) {
    if (Vertx.currentContext() == context) {
      return chain.get();
    }
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        chain.get().onComplete(result);
      } catch (RuntimeException e) {
        result.fail(e);
      }
    });
    return result.future();
  }

  /**
   * {@link #call} on {@code client}, which must be a {@link LoopHttpClient}: the one way test helpers
   * send requests.
   */
  public static <T> Future<T> call(HttpClient client, Supplier<Future<T>> chain) {
    if (!(client instanceof LoopHttpClient loop)) {
      throw new IllegalArgumentException("tests send through a LoopHttpClient (see its Javadoc), not " + client);
    }
    return loop.call(chain);
  }

  /**
   * @throws IllegalStateException when called anywhere but inside {@link #call}: the rest of the chain
   *     would be attached from another thread, too late now and then
   */
  @Override
  public Future<HttpClientRequest> request(RequestOptions options) {
    if (Vertx.currentContext() != context) {
      throw new IllegalStateException("build the request chain inside LoopHttpClient.call(...), on the client's"
          + " event loop: callbacks attached from another thread can miss the answer");
    }
    return delegate.request(options);
  }

  @Override
  public Future<Void> shutdown(long timeout, TimeUnit unit) {
    return delegate.shutdown(timeout, unit);
  }
}
