package io.opizontas.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opizontas.gateway.api.Call;
import io.opizontas.gateway.api.CallFilter;
import io.opizontas.gateway.api.CallOutcome;
import io.opizontas.gateway.api.FilterResult;
import io.opizontas.gateway.api.GrpcStatus;
import io.opizontas.gateway.api.GrpcStatusCode;
import io.opizontas.gateway.api.Metadata;
import io.opizontas.gateway.api.PluginConfig;
import io.opizontas.gateway.api.PluginContext;
import io.opizontas.gateway.proxy.FilteredCall;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The chain against real Jetty header fields, with filters written as a plugin would write them. */
class FilterChainTest {

  private static final Duration TIMEOUT = Duration.ofMillis(200);

  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService pool = Executors.newFixedThreadPool(2, runnable -> new Thread(runnable, "test-filters"));
  private final Logger log = (Logger) LoggerFactory.getLogger("test.chain");
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final AtomicLong nanos = new AtomicLong();

  @BeforeEach
  void captureLog() {
    logged.start();
    log.addAppender(logged);
  }

  @AfterEach
  void stop() {
    log.detachAppender(logged);
    timers.shutdownNow();
    pool.shutdownNow();
  }

  /** Runs a response hook and waits for its stage. */
  private static void await(CompletionStage<Void> hook) throws Exception {
    hook.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** A filter from a lambda: the request side only. */
  private static CallFilter filter(Function<Call, CompletionStage<FilterResult>> onRequest) {
    return new CallFilter() {
      @Override
      public void start(PluginConfig config, PluginContext context) {}

      @Override
      public CompletionStage<FilterResult> onRequest(Call call) {
        return onRequest.apply(call);
      }
    };
  }

  private ChainLink link(String id, CallFilter filter) {
    return link(id, filter, GrpcStatusCode.INTERNAL);
  }

  private ChainLink link(String id, CallFilter filter, GrpcStatusCode failureStatus) {
    return new ChainLink(id, filter, TIMEOUT, failureStatus, new FailureLog(log, "call filter '" + id + "'", nanos::get, Duration.ofSeconds(10)));
  }

  private FilteredCall run(FilterChain chain, String method, HttpFields.Mutable headers) throws Exception {
    return chain.onRequest("helloworld.Greeter", method, headers).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static HttpFields.Mutable request() {
    return HttpFields.build().add("content-type", "application/grpc").add("te", "trailers").add("x-user", "ada");
  }

  @Test
  void filtersRunInOrderEachSeeingTheEditsBeforeIt() throws Exception {
    FilterChain chain = new FilterChain(List.of(
        link("first", filter(call -> {
          call.requestHeaders().set("x-first", call.requestHeaders().get("X-User"));
          return CallFilter.proceed();
        })),
        link("second", filter(call -> {
          call.requestHeaders().add("x-second", call.requestHeaders().get("x-first") + "+2");
          call.requestHeaders().remove("x-user");
          return CallFilter.proceed();
        }))), pool, timers);

    HttpFields.Mutable headers = request();
    FilteredCall verdict = run(chain, "SayHello", headers);

    assertThat(verdict).as("an untouched verdict is the shared constant").isSameAs(FilteredCall.PROCEED);
    assertThat(headers.get("x-first")).isEqualTo("ada");
    assertThat(headers.get("x-second")).isEqualTo("ada+2");
    assertThat(headers.contains("x-user")).isFalse();
    assertThat(headers.get("content-type")).isEqualTo("application/grpc");
  }

  @Test
  void aRejectionAnswersTheCallAndStopsTheChain() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    FilterChain chain = new FilterChain(List.of(
        link("auth", filter(call -> CallFilter.reject(GrpcStatusCode.PERMISSION_DENIED, "not for you"))),
        link("later", filter(call -> {
          reached.incrementAndGet();
          return CallFilter.proceed();
        }))), pool, timers);

    FilteredCall verdict = run(chain, "SayHello", request());

    assertThat(verdict.rejection()).isEqualTo(GrpcStatus.of(GrpcStatusCode.PERMISSION_DENIED, "not for you"));
    assertThat(reached).hasValue(0);
    assertThat(logged.list).as("a rejection is policy, not a failure").isEmpty();
  }

  @Test
  void aFilterThatThrowsFailsOnlyThatCallWithInternal() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    FilterChain chain = new FilterChain(List.of(
        link("flaky", filter(call -> {
          if (call.method().equals("Boom")) {
            throw new IllegalStateException("bug in the plugin");
          }
          return CallFilter.proceed();
        })),
        link("later", filter(call -> {
          reached.incrementAndGet();
          return CallFilter.proceed();
        }))), pool, timers);

    FilteredCall failed = run(chain, "Boom", request());
    FilteredCall fine = run(chain, "SayHello", request());

    assertThat(failed.rejection()).isEqualTo(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter 'flaky' failed"));
    assertThat(fine.rejection()).isNull();
    assertThat(reached).as("later filters skip the failed call only").hasValue(1);
    assertThat(logged.list).singleElement().satisfies(event -> {
      assertThat(event.getFormattedMessage()).contains("call filter 'flaky'").contains("IllegalStateException");
      assertThat(event.getThrowableProxy().getMessage()).isEqualTo("bug in the plugin");
    });
  }

  @Test
  void failuresUseTheEntrysFailureStatus() throws Exception {
    FilterChain chain = new FilterChain(List.of(
        link("flaky", filter(call -> {
          throw new IllegalStateException("down");
        }), GrpcStatusCode.UNAVAILABLE)), pool, timers);

    assertThat(run(chain, "SayHello", request()).rejection().code()).isEqualTo(GrpcStatusCode.UNAVAILABLE);
  }

  @Test
  void aNullStageANullResultAndAFailedStageEachFailTheCall() throws Exception {
    FilterChain nullStage = new FilterChain(List.of(link("a", filter(call -> null))), pool, timers);
    FilterChain nullResult = new FilterChain(List.of(link("b", filter(call -> CompletableFuture.completedFuture(null)))), pool, timers);
    FilterChain failedStage = new FilterChain(List.of(
        link("c", filter(call -> CompletableFuture.failedFuture(new IllegalArgumentException("no"))))), pool, timers);

    assertThat(run(nullStage, "M", request()).rejection().message()).isEqualTo("call filter 'a' failed");
    assertThat(run(nullResult, "M", request()).rejection().message()).isEqualTo("call filter 'b' failed");
    assertThat(run(failedStage, "M", request()).rejection().message()).isEqualTo("call filter 'c' failed");
    assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
        .anySatisfy(m -> assertThat(m).contains("'a'").contains("returned null"))
        .anySatisfy(m -> assertThat(m).contains("'b'").contains("completed its stage with null"))
        .anySatisfy(m -> assertThat(m).contains("'c'").contains("IllegalArgumentException"));
  }

  @Test
  void anAsyncFilterIsWaitedForWithoutAThreadAndTheChainGoesOnOnThePool() throws Exception {
    CompletableFuture<FilterResult> lookup = new CompletableFuture<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    FilterChain chain = new FilterChain(List.of(
        link("async", filter(call -> lookup.thenApply(r -> {
          call.requestHeaders().set("x-looked-up", "yes");
          return r;
        }))),
        link("after", filter(call -> {
          threads.add(Thread.currentThread().getName());
          call.attributes().put("seen", call.requestHeaders().get("x-looked-up"));
          return CallFilter.proceed();
        }))), pool, timers);

    HttpFields.Mutable headers = request();
    CompletionStage<FilteredCall> stage = chain.onRequest("helloworld.Greeter", "SayHello", headers);
    assertThat(stage.toCompletableFuture()).as("onRequest returned before the filter answered").isNotDone();

    Thread completer = new Thread(() -> lookup.complete(FilterResult.proceed()), "lookup-completer");
    completer.start();
    FilteredCall verdict = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertThat(verdict.rejection()).isNull();
    assertThat(verdict.attributes()).containsEntry("seen", "yes");
    assertThat(threads).as("not the thread that completed the stage").containsExactly("test-filters");
  }

  @Test
  void anAsyncRejectionIsTheVerdict() throws Exception {
    FilterChain chain = new FilterChain(List.of(
        link("async", filter(call -> CompletableFuture.supplyAsync(
            () -> FilterResult.reject(GrpcStatusCode.UNAUTHENTICATED, "expired"))))), pool, timers);

    assertThat(run(chain, "M", request()).rejection())
        .isEqualTo(GrpcStatus.of(GrpcStatusCode.UNAUTHENTICATED, "expired"));
  }

  @Test
  void aFilterThatDoesNotAnswerInTimeFailsTheCallAndItsLateAnswerIsIgnored() throws Exception {
    CompletableFuture<FilterResult> never = new CompletableFuture<>();
    AtomicInteger reached = new AtomicInteger();
    FilterChain chain = new FilterChain(List.of(
        link("slow", filter(call -> never)),
        link("later", filter(call -> {
          reached.incrementAndGet();
          return CallFilter.proceed();
        }))), pool, timers);

    long start = System.nanoTime();
    FilteredCall verdict = run(chain, "M", request());

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TIMEOUT);
    assertThat(verdict.rejection()).isEqualTo(GrpcStatus.of(GrpcStatusCode.INTERNAL, "call filter 'slow' timed out after 200ms"));
    never.complete(FilterResult.proceed());
    assertThat(reached).hasValue(0);
    assertThat(logged.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
        .contains("call filter 'slow'").contains("did not answer within 200ms");
  }

  @Test
  void writingTransportHeadersFailsTheCallInsteadOfBreakingIt() throws Exception {
    FilterChain chain = new FilterChain(List.of(link("rude", filter(call -> {
      call.requestHeaders().set("content-type", "text/plain");
      return CallFilter.proceed();
    }))), pool, timers);

    HttpFields.Mutable headers = request();
    assertThat(run(chain, "M", headers).rejection().code()).isEqualTo(GrpcStatusCode.INTERNAL);
    assertThat(headers.get("content-type")).isEqualTo("application/grpc");
  }

  /** Records its response hooks into a shared list, under its name. */
  private static final class Observer implements CallFilter {
    private final String name;
    private final List<String> seen;
    private final boolean failOnHeaders;

    Observer(String name, List<String> seen, boolean failOnHeaders) {
      this.name = name;
      this.seen = seen;
      this.failOnHeaders = failOnHeaders;
    }

    @Override
    public void start(PluginConfig config, PluginContext context) {}

    @Override
    public CompletionStage<FilterResult> onRequest(Call call) {
      return CallFilter.proceed();
    }

    @Override
    public void onResponseHeaders(Call call, Metadata headers) {
      seen.add(name + ":headers");
      if (failOnHeaders) {
        throw new IllegalStateException("cannot rewrite");
      }
      headers.add("x-via", name);
    }

    @Override
    public void onTrailers(Call call, Metadata trailers) {
      seen.add(name + ":trailers:" + trailers.get("grpc-status"));
    }
  }

  @Test
  void responseHooksRunLastFilterFirstAndOnlyForFiltersThatHaveThem() throws Exception {
    List<String> seen = new ArrayList<>();
    FilterChain chain = new FilterChain(List.of(
        link("outer", new Observer("outer", seen, false)),
        link("requestOnly", filter(call -> CallFilter.proceed())),
        link("inner", new Observer("inner", seen, false))), pool, timers);

    FilteredCall verdict = run(chain, "M", request());
    HttpFields.Mutable response = HttpFields.build().add("content-type", "application/grpc");
    HttpFields.Mutable trailers = HttpFields.build().add("grpc-status", "0");
    assertThat(verdict.observesResponse()).isTrue();
    await(verdict.onResponseHeaders(response));
    await(verdict.onTrailers(trailers));

    assertThat(seen).containsExactly("inner:headers", "outer:headers", "inner:trailers:0", "outer:trailers:0");
    assertThat(response.getValuesList("x-via")).containsExactly("inner", "outer");
    assertThat(trailers.get("grpc-status")).isEqualTo("0");
  }

  @Test
  void aChainWithoutResponseHooksDoesNotObserveTheResponse() throws Exception {
    FilterChain chain = new FilterChain(List.of(link("a", filter(call -> CallFilter.proceed()))), pool, timers);
    assertThat(chain.observesResponse()).isFalse();
    assertThat(run(chain, "M", request()).observesResponse()).isFalse();
  }

  @Test
  void aResponseHookThatThrowsEndsTheCallWithTheFailureStatus() throws Exception {
    List<String> seen = new ArrayList<>();
    FilterChain chain = new FilterChain(List.of(
        link("outer", new Observer("outer", seen, false)),
        link("broken", new Observer("broken", seen, true), GrpcStatusCode.UNAVAILABLE)), pool, timers);

    FilteredCall verdict = run(chain, "M", request());
    await(verdict.onResponseHeaders(HttpFields.build()));
    HttpFields.Mutable trailers = HttpFields.build().add("grpc-status", "0");
    await(verdict.onTrailers(trailers));

    assertThat(seen).as("the other hooks still run").contains("outer:headers", "outer:trailers:0");
    assertThat(trailers.get("grpc-status")).isEqualTo("14");
    assertThat(trailers.get("grpc-message")).isEqualTo("call filter 'broken' failed");
  }

  /** Waits for {@code latch} in a filter or pool task; the test opens it before it ends. */
  private static void awaitOpen(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aResponseHookThatDoesNotReturnInTimeHasItsEditsDroppedAndTheTrailersCarryTheTimeout() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    CallFilter stuck = new CallFilter() {
      @Override
      public void start(PluginConfig config, PluginContext context) {}

      @Override
      public CompletionStage<FilterResult> onRequest(Call call) {
        return CallFilter.proceed();
      }

      @Override
      public void onResponseHeaders(Call call, Metadata headers) {
        headers.add("x-via", "stuck");
        awaitOpen(release);
      }
    };
    FilterChain chain = new FilterChain(List.of(
        link("outer", new Observer("outer", seen, false)),
        link("stuck", stuck, GrpcStatusCode.UNAVAILABLE)), pool, timers);

    try {
      FilteredCall verdict = run(chain, "M", request());
      HttpFields.Mutable response = HttpFields.build().add("content-type", "application/grpc");
      long start = System.nanoTime();
      await(verdict.onResponseHeaders(response));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      HttpFields.Mutable trailers = HttpFields.build().add("grpc-status", "0");
      await(verdict.onTrailers(trailers));

      assertThat(took).isGreaterThanOrEqualTo(TIMEOUT);
      assertThat(response.getValuesList("x-via")).as("the stuck hook's edit is dropped").containsExactly("outer");
      assertThat(seen).as("the other hooks still run").containsExactly("outer:headers", "outer:trailers:0");
      assertThat(trailers.get("grpc-status")).isEqualTo("14");
      assertThat(trailers.get("grpc-message")).isEqualTo("call filter 'stuck' timed out after 200ms");
    } finally {
      release.countDown();
    }
  }

  @Test
  void theVerdictsAttributesAreAnUnmodifiableCopy() throws Exception {
    AtomicReference<Map<String, String>> kept = new AtomicReference<>();
    FilterChain chain = new FilterChain(List.of(link("auth", filter(call -> {
      call.attributes().put("principal", "ada");
      kept.set(call.attributes());
      return CallFilter.proceed();
    }))), pool, timers);

    FilteredCall verdict = run(chain, "M", request());
    kept.get().put("principal", "mallory");

    assertThat(verdict.attributes()).containsExactly(Map.entry("principal", "ada"));
    assertThatThrownBy(() -> verdict.attributes().put("route", "b")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aCallThePoolCannotTakeIsAnsweredUnavailable() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ThreadPoolExecutor full = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new SynchronousQueue<>());
    try {
      full.execute(() -> awaitOpen(release));
      FilterChain chain = new FilterChain(List.of(link("a", filter(call -> CallFilter.proceed()))), full, timers);

      assertThat(run(chain, "M", request()).rejection())
          .isEqualTo(GrpcStatus.of(GrpcStatusCode.UNAVAILABLE, "the gateway's call filters are overloaded"));
    } finally {
      release.countDown();
      full.shutdownNow();
    }
  }

  @Test
  void endHooksThePoolCannotTakeAreDroppedAndLogged() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ThreadPoolExecutor full = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new SynchronousQueue<>());
    Logger chainLog = (Logger) LoggerFactory.getLogger(FilterChain.class);
    ListAppender<ILoggingEvent> chainLogged = new ListAppender<>();
    chainLogged.start();
    chainLog.addAppender(chainLogged);
    List<CallOutcome> ended = new CopyOnWriteArrayList<>();
    CallFilter endFilter = new CallFilter() {
      @Override
      public void start(PluginConfig config, PluginContext context) {}

      @Override
      public CompletionStage<FilterResult> onRequest(Call call) {
        return CallFilter.proceed();
      }

      @Override
      public void onCallEnded(Call call, CallOutcome outcome) {
        ended.add(outcome);
      }
    };
    try {
      FilterChain chain = new FilterChain(List.of(link("end", endFilter)), full, timers);
      FilteredCall verdict = run(chain, "M", request());
      // The pool's one thread takes the blocker once it is back from handing over the verdict.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
        try {
          full.execute(() -> awaitOpen(release));
          return true;
        } catch (RejectedExecutionException busy) {
          return false;
        }
      });

      verdict.onCallEnded(new CallOutcome(GrpcStatusCode.OK, null, "", 1, 0, 0));

      assertThat(ended).isEmpty();
      assertThat(chainLogged.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
          .isEqualTo("The end hooks of a call were dropped: the gateway's call filters are overloaded;"
              + " the call was not affected");
    } finally {
      chainLog.detachAppender(chainLogged);
      release.countDown();
      full.shutdownNow();
    }
  }

  @Test
  void aRetiredChainRunsNoMoreFilterCodeAndSaysOnceNoneRuns() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> ran = new CopyOnWriteArrayList<>();
    CallFilter filter = new CallFilter() {
      @Override
      public void start(PluginConfig config, PluginContext context) {}

      @Override
      public CompletionStage<FilterResult> onRequest(Call call) {
        ran.add("request " + call.method());
        if (call.method().equals("Held")) {
          entered.countDown();
          awaitOpen(release);
        }
        return CallFilter.proceed();
      }

      @Override
      public void onResponseHeaders(Call call, Metadata headers) {
        ran.add("response headers " + call.method());
        headers.set("x-via", "filter");
      }

      @Override
      public void onCallEnded(Call call, CallOutcome outcome) {
        ran.add("end " + call.method());
      }
    };
    FilterChain chain = new FilterChain(List.of(link("f", filter)), pool, timers);
    FilteredCall done = run(chain, "Done", request());
    CompletableFuture<FilteredCall> held = chain.onRequest("helloworld.Greeter", "Held", request()).toCompletableFuture();
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(chain.retire()).as("a request hook still runs").isFalse();
    done.onCallEnded(new CallOutcome(GrpcStatusCode.OK, null, "", 1, 0, 0));
    HttpFields.Mutable response = HttpFields.build().add("content-type", "application/grpc");
    await(done.onResponseHeaders(response));
    FilteredCall late = run(chain, "Late", request());

    assertThat(response.get("x-via")).as("response hooks are skipped, the fields go on as they were").isNull();
    assertThat(late.rejection()).isEqualTo(FilterChain.RETIRED_STATUS);
    release.countDown();
    assertThat(held.get(5, TimeUnit.SECONDS).rejection()).as("a hook already running finishes").isNull();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(chain::retire);
    assertThat(ran).containsExactly("request Done", "request Held");
  }

  @Test
  void aFailingFilterIsLoggedOncePerBurstWithTheCountOfWhatWasLeftOut() throws Exception {
    FilterChain chain = new FilterChain(List.of(link("flaky", filter(call -> {
      throw new IllegalStateException("down");
    }))), pool, timers);

    for (int i = 0; i < 50; i++) {
      assertThat(run(chain, "M", request()).rejection()).isNotNull();
    }
    assertThat(logged.list).hasSize(1);

    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    run(chain, "M", request());
    assertThat(logged.list).hasSize(2);
    assertThat(logged.list.get(1).getFormattedMessage())
        .contains("call filter 'flaky'")
        .contains("49 more failures in the last 10s not logged");
  }
}
