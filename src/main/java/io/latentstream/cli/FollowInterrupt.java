package io.latentstream.cli;

import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) while a command follows a topic: a shutdown hook wakes the consumer, the command
 * leaves its loop and prints its end-of-run summary, and only then does the JVM exit. Without it a
 * follow ended by Ctrl-C, the usual way to end one, would never print the summary.
 */
final class FollowInterrupt implements AutoCloseable {
    /** How long the hook holds the exit for the summary. */
    private static final long GRACE_SECONDS = 5;
    private final Thread hook;
    private final CountDownLatch summarized = new CountDownLatch(1);
    private volatile boolean interrupted;

    /** Installs the hook (a bounded read ends by itself and needs none: {@link TopicRange} makes one only to follow). */
    FollowInterrupt(KafkaConsumer<?, ?> consumer) {
        hook = new Thread(() -> {
            interrupted = true;
            consumer.wakeup(); // the poll in progress, or the next one, throws WakeupException
            try {
                summarized.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "follow-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** True once Ctrl-C was pressed (the consumer's WakeupException says the same). */
    boolean interrupted() {
        return interrupted;
    }

    /** The summary is printed: the JVM may exit, or, when it was not interrupted, the hook is removed. */
    @Override
    public void close() {
        summarized.countDown();
        if (!interrupted) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting already: the hook runs and finds the latch open
            }
        }
    }
}
