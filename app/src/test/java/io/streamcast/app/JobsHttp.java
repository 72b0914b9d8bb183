package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The jobs' HTTP API as the tests call it: one request over a real socket, its status checked, its JSON answer. */
final class JobsHttp {

  private static final HttpClient JDK = HttpClient.newHttpClient();

  private JobsHttp() {
  }

  /**
   * @param url a node's edge base URL and the path
   * @param body JSON text, null for none
   * @param token a bearer token, null for none
   * @param status the status expected; a 503 must also carry {@code Retry-After}
   * @return the answer's JSON body
   */
  static JsonObject call(String method, String url, String body, String token, int status) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> r = JDK.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(status, r.statusCode(), method + " " + url + ": " + r.body());
      if (status == 503) {
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 without Retry-After");
      }
      return new JsonObject(r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
