package io.streamcast.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.producer.jobs.JobDirectory;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@code POST /jobs/{kind}} takes as its body, over real HTTP on a real node: JSON parameters
 * labelled as JSON, as plain text (a page's {@code fetch}) or as a form ({@code curl -d}), or not
 * labelled at all; any other body, another charset or bytes that are not UTF-8 get {@code 415
 * unsupported_body} and start no job.
 */
@ExtendWith(VertxExtension.class)
class JobRequestBodyTest {

  private static final String PARAMETERS = new JsonObject().put("prompt", "hello").put("tokens", 3).encode();
  private static TestCluster cluster;
  private static Vertx vertx;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    cluster = TestCluster.start(1);
    vertx = Vertx.vertx();
    http = LoopHttpClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    TestCluster.close(cluster, vertx);
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aBodyThatIsNotJsonParametersIsRefusedBeforeAnyJobStarts() {
    // every job started leaves its record in the directory, whichever test started it
    int records = jobRecords();
    Buffer json = Buffer.buffer(PARAMETERS);
    refused("multipart/form-data; boundary=b", Buffer.buffer("--b\r\nContent-Disposition: form-data; name=\"prompt\""
        + "\r\n\r\nhello\r\n--b--\r\n"), "multipart/form-data");
    refused("application/octet-stream", json, "application/octet-stream");
    refused("text/csv", json, "text/csv");
    refused("application/xml", Buffer.buffer("<prompt>hello</prompt>"), "application/xml");
    refused("application/json; charset=ISO-8859-1", json, "iso-8859-1");
    // larger than the 64 KiB the parameters may have: refused by its type, not read up to the limit (413)
    refused("application/octet-stream", Buffer.buffer(new byte[200 * 1024]), "application/octet-stream");
    // labelled JSON, but a prompt that is not UTF-8 (Latin-1 "é"): refused rather than started with U+FFFD
    Buffer latin1 = Buffer.buffer("{\"prompt\":\"caf").appendByte((byte) 0xE9).appendString("\",\"tokens\":3}");
    refused("application/json", latin1, "not valid UTF-8");

    assertEquals(records, jobRecords(), "a refused request started a job");
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void jsonParametersStartAJobWhateverTheClientLabelledThem() {
    int records = jobRecords();
    for (String type : new String[] {"application/json", "application/json; charset=utf-8",
        "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", null}) {
      Answer answer = post("/jobs/tokens", type, Buffer.buffer(PARAMETERS));
      assertEquals(201, answer.status(), type + ": " + answer.body());
      assertTrue(answer.json().getString("stream").startsWith("job."), answer.body());
    }
    // no Content-Type and no body: a job with its kind's default parameters
    Answer defaults = post("/jobs/progress", null, null);
    assertEquals(201, defaults.status(), defaults.body());
    assertEquals(records + 6, jobRecords());
  }

  private static int jobRecords() {
    return cluster.node(0).hazelcast().getMap(JobDirectory.MAP).size();
  }

  private static void refused(String contentType, Buffer body, String messagePart) {
    Answer answer = post("/jobs/tokens", contentType, body);
    assertEquals(415, answer.status(), contentType + ": " + answer.body());
    assertEquals("application/json", answer.contentType(), contentType);
    assertEquals("unsupported_body", answer.json().getString("error"), answer.body());
    assertTrue(answer.json().getString("message").contains(messagePart), answer.body());
  }

  private static Answer post(String path, String contentType, Buffer body) {
    return TestCluster.await(LoopHttpClient.call(http, () -> http.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setAbsoluteURI(cluster.edge(0) + path))
        .compose(request -> {
          if (contentType != null) {
            request.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
          }
          return body == null ? request.send() : request.send(body);
        })
        .compose(response -> response.body().map(b -> new Answer(response.statusCode(),
            response.getHeader(HttpHeaders.CONTENT_TYPE), b.toString(StandardCharsets.UTF_8))))));
  }

  private record Answer(int status, String contentType, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }
}
