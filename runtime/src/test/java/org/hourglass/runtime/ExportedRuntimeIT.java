package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the exported jar through runtime/bin/hourglass as a user would: the demo pipeline trains and reports
 * its AUROC, the console is protected, a bundle dropped into deploy/ starts, and after a restart the console-made
 * configuration, the deployed bundle and the trained model are all still there.
 */
class ExportedRuntimeIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final Path FIXTURE = Path.of(System.getProperty("hourglass.fixture.jar"));
    private static final String CONFIG_MANAGER = "/system/console/configMgr";

    @TempDir
    Path home;

    @Test
    void consoleIsProtectedDeployWorksAndConfigurationSurvivesRestart() throws Exception {
        String password = UUID.randomUUID().toString();
        try (RunningServer server = RunningServer.start(SCRIPT, home, password)) {
            server.await("the console to answer", Duration.ofSeconds(90),
                    () -> server.status(CONFIG_MANAGER, false) == 401);
            assertEquals(200, server.status(CONFIG_MANAGER, true), "console with credentials");
            server.await("the executor to report its device in the log", Duration.ofSeconds(30),
                    () -> server.log().contains("ONNX Runtime executor: CPU"));

            // The demo pipeline of runtime/config trains by itself and reports its test AUROC.
            server.await("the demo pipeline to train", Duration.ofSeconds(180),
                    () -> server.log().contains("Pipeline 'fashion-demo' trained in"));
            assertTrue(server.log().matches("(?s).*AUROC 0\\.[89]\\d*.*"), "demo AUROC in the log\n" + server.logTail());

            Files.copy(FIXTURE, home.resolve("deploy/fixture.jar"), StandardCopyOption.REPLACE_EXISTING);
            server.await("the dropped bundle to become active", Duration.ofSeconds(30),
                    () -> fixtureState(server).equals("Active"));

            // Change the executor's configuration in the console as a user would.
            int saved = server.postForm(CONFIG_MANAGER + "/org.hourglass.executor",
                    "apply=true&action=ajaxConfigManager&propertylist=intra.op.threads,device&intra.op.threads=1"
                            + "&device=cpu").statusCode();
            assertTrue(saved == 200 || saved == 302, "saving the configuration answered " + saved);
            server.await("the executor to apply device=cpu", Duration.ofSeconds(10),
                    () -> server.log().contains("CPU (device=cpu configured), intra.op.threads=1"));
        }

        try (RunningServer again = RunningServer.start(SCRIPT, home, password)) {
            again.await("the console to answer after restart", Duration.ofSeconds(90),
                    () -> again.status(CONFIG_MANAGER, true) == 200);
            again.await("the executor to start with the saved configuration", Duration.ofSeconds(10),
                    () -> again.log().contains("CPU (device=cpu configured), intra.op.threads=1"));
            assertEquals("Active", fixtureState(again), "the deployed bundle is still there after restart");
            again.await("the demo pipeline to serve its stored model", Duration.ofSeconds(30),
                    () -> again.log().contains("Pipeline 'fashion-demo' serves its stored model"));
            assertTrue(!again.log().contains("Pipeline 'fashion-demo': training"), "no retraining on restart");
        }
    }

    private static String fixtureState(RunningServer server) throws Exception {
        String body = server.get("/system/console/bundles/org.hourglass.test.fixture.json", true).body();
        int at = body.indexOf("\"state\":\"");
        return at < 0 ? "absent" : body.substring(at + 9, body.indexOf('"', at + 9));
    }
}
