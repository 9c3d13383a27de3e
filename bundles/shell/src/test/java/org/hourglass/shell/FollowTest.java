package org.hourglass.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;
import org.junit.jupiter.api.Test;

/** {@code train}'s following loop: an interrupt (Ctrl-C) stops following and never cancels the training. */
class FollowTest {

    /** A pipeline that stays TRAINING; it records whether anyone cancelled it. */
    private static final class Training implements Pipeline {
        final CountDownLatch waiting = new CountDownLatch(1);
        volatile boolean cancelled;

        @Override
        public String name() {
            return "demo";
        }

        @Override
        public PipelineStatus status() {
            return new PipelineStatus("demo", PipelineState.TRAINING, "",
                    new TrainingProgress(1, 3, 5, 30, 0.5, List.of(), List.of(), 100, 2, false), Map.of());
        }

        @Override
        public PipelineState awaitTraining(long timeoutMillis) throws InterruptedException {
            waiting.countDown();
            Thread.sleep(timeoutMillis);
            return PipelineState.TRAINING;
        }

        @Override
        public boolean cancel() {
            cancelled = true;
            return true;
        }

        @Override
        public void train() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double[] score(float[][] samples) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean[] label(float[][] samples) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double threshold() {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[][] encode(float[][] samples) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[][] reconstruct(float[][] samples) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Evaluation evaluate(float[][] samples, int[] labels) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Evaluation evaluate() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path modelFile() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path recordFile() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ScoreHistogram> scoreHistogram() {
            return Optional.empty();
        }

        @Override
        public ServingStats servingStats() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, Object> configuration() {
            return Map.of();
        }
    }

    @Test
    void anInterruptStopsFollowingAndLeavesTheTrainingRunning() throws Exception {
        Training pipeline = new Training();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        Thread follower = new Thread(() -> HourglassCommands.follow(pipeline));
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            follower.start();
            assertTrue(pipeline.waiting.await(10, TimeUnit.SECONDS), "the command waits for progress");
            follower.interrupt();
            follower.join(10_000);
        } finally {
            System.setOut(saved);
        }
        assertFalse(follower.isAlive(), "the command returned");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("demo: epoch 1/3 step 5/30"), out);
        assertTrue(out.endsWith("demo: stopped following; the training goes on (hourglass:status demo, "
                + "hourglass:cancel demo)\n"), out);
        assertEquals(false, pipeline.cancelled, "Ctrl-C never cancels the training");
    }
}
