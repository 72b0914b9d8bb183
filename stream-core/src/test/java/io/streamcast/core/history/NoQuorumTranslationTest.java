package io.streamcast.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.streamcast.core.ApiError;
import io.streamcast.core.InvalidRequestException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Hazelcast's split-brain refusal, however wrapped, is the contract's {@code 503 no_quorum}; nothing else is. */
class NoQuorumTranslationTest {

  @Test
  void aRefusalBareOrWrappedBecomesNoQuorumWithRetryAfter() {
    SplitBrainProtectionException refusal = new SplitBrainProtectionException("streamcast.quorum has failed!");
    for (Throwable failure : new Throwable[] {refusal, new CompletionException(refusal),
        new ExecutionException(new CompletionException(refusal))}) {
      InvalidRequestException translated = (InvalidRequestException) HazelcastStreamHistory.noQuorumIfRefused(failure);
      assertEquals(ApiError.NO_QUORUM, translated.error());
      assertEquals(503, translated.error().status());
      assertEquals("no_quorum", translated.error().code());
      assertEquals(2, translated.retryAfterSeconds());
    }
  }

  @Test
  void otherFailuresPassUnchanged() {
    IllegalStateException other = new IllegalStateException("boom");
    assertSame(other, HazelcastStreamHistory.noQuorumIfRefused(other));
    CompletionException wrapped = new CompletionException(other);
    assertSame(wrapped, HazelcastStreamHistory.noQuorumIfRefused(wrapped));
  }
}
