package org.hourglass.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Gogo shell commands run as a user types them, and the figures the tests read from their output. */
public final class Shell {

    private static final Pattern PRESERVED = Pattern.compile("preserved \\(relative to zero-ablation\\) ([-0-9.]+)");

    private Shell() {
    }

    /** Runs {@code line} in a new session; returns the command's result as text. */
    public static String run(CommandProcessor processor, String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            return String.valueOf(session.execute(line));
        } finally {
            session.close();
        }
    }

    /** The "preserved (relative to zero-ablation)" figure in {@code hourglass:splice}'s output; fails without one. */
    public static double splicePreserved(String output) {
        Matcher m = PRESERVED.matcher(output);
        assertTrue(m.find(), output);
        return Double.parseDouble(m.group(1));
    }
}
