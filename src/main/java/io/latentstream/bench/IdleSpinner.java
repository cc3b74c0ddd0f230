package io.latentstream.bench;

import io.latentstream.ops.ProcessPriority;

/**
 * The bench's control for "a retrain running": a child process that lowers itself exactly as the
 * retrainer does (nice, SCHED_IDLE) and then spins one thread, touching no memory, until killed.
 * Whatever it costs the processor is what any background work on the idle CPU costs on this
 * machine (scheduler wake-ups, a host that slows busy vCPUs), whatever that work is.
 */
public final class IdleSpinner {
    private IdleSpinner() {
    }

    /** Args: nice (0..19), "idle" for SCHED_IDLE too. Prints what it set, then spins. */
    public static void main(String[] args) {
        System.out.println("idle spinner: " + ProcessPriority.lowerTo(Integer.parseInt(args[0]), args.length > 1 && args[1].equals("idle")));
        System.out.flush();
        long x = 1;
        while (x != 0) { // never 0: an xorshift does not reach it from 1
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        System.out.println(x);
    }
}
