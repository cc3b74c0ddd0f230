package io.latentstream.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProcessPriorityTest {
    @Test
    void zeroLeavesThePriorityAlone() {
        assertEquals("scheduling priority unchanged (nice 0)", ProcessPriority.lowerTo(0));
    }

    /** In a child JVM (renicing the test JVM would slow the rest of the build): old and new threads run at the new nice and policy. */
    @Test
    void renicesEveryThreadAndNewThreadsInheritIt() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ProcessPriorityTest.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("scheduling priority nice 7") && out.contains("SCHED_IDLE policy"), out);
        assertTrue(out.endsWith("before 7/5 after 7/5"), out); // nice 7, policy 5 = SCHED_IDLE
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger before = new AtomicInteger(-100);
        Thread early = new Thread(() -> {
            try {
                Thread.sleep(1500); // started before renice, measured after
            } catch (InterruptedException e) {
                return;
            }
            before.set(ProcessPriority.currentThreadNice() * 10 + ProcessPriority.currentThreadPolicy());
        });
        early.start();
        System.out.println(ProcessPriority.lowerTo(7, true));
        AtomicInteger after = new AtomicInteger(-100);
        Thread late = new Thread(() -> after.set(ProcessPriority.currentThreadNice() * 10 + ProcessPriority.currentThreadPolicy()));
        late.start();
        late.join();
        early.join();
        System.out.println("before " + before.get() / 10 + "/" + before.get() % 10 + " after " + after.get() / 10 + "/" + after.get() % 10);
    }
}
