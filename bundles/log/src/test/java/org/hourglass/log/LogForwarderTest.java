package org.hourglass.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipException;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.junit.jupiter.api.Test;

class LogForwarderTest {

    private record Line(String logger, LogLevel level, String message, Throwable exception) {
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final List<Line> lines = new ArrayList<>();
    private final Reader reader = new Reader();

    @Test
    void forwardsWarningsAndErrorsOfAnyBundleAndFileInstallsInformation() {
        LogForwarder forwarder = new LogForwarder(reader, (l, v, m, e) -> lines.add(new Line(l, v, m, e)));
        assertEquals(List.of(forwarder), reader.listeners, "listens once activated");

        ZipException broken = new ZipException("zip END header not found");
        reader.log(entry("org.apache.felix.fileinstall", LogLevel.ERROR, "Failed to install artifact: deploy/x.jar",
                broken));
        reader.log(entry("org.apache.felix.scr", LogLevel.ERROR, "[comp] Error during instantiation", null));
        reader.log(entry("org.apache.felix.scr", LogLevel.WARN, "configuration conversion failed", null));
        reader.log(entry("org.apache.felix.fileinstall", LogLevel.INFO, "Installed deploy/y.jar", null));
        reader.log(entry("org.apache.felix.scr", LogLevel.INFO, "[comp] activated", null));
        reader.log(entry("org.apache.felix.framework", LogLevel.DEBUG, "ServiceEvent REGISTERED", null));
        reader.log(entry(null, LogLevel.AUDIT, "audit without a bundle", null));

        assertEquals(List.of(
                new Line("org.apache.felix.fileinstall", LogLevel.ERROR, "Failed to install artifact: deploy/x.jar",
                        broken),
                new Line("org.apache.felix.scr", LogLevel.ERROR, "[comp] Error during instantiation", null),
                new Line("org.apache.felix.scr", LogLevel.WARN, "configuration conversion failed", null),
                new Line("org.apache.felix.fileinstall", LogLevel.INFO, "Installed deploy/y.jar", null),
                new Line("osgi", LogLevel.AUDIT, "audit without a bundle", null)), lines);
        assertSame(broken, lines.get(0).exception(), "the exception travels with the entry");

        forwarder.deactivate();
        assertTrue(reader.listeners.isEmpty(), "stops listening when deactivated");
        reader.log(entry("org.apache.felix.scr", LogLevel.ERROR, "after deactivation", null));
        assertEquals(5, lines.size());
    }

    @Test
    void writesWhatWasLoggedBeforeItStartedOldestFirst() {
        reader.history.add(entry("org.apache.felix.scr", LogLevel.ERROR, "first", null));
        reader.history.add(entry("org.apache.felix.framework", LogLevel.INFO, "BundleEvent STARTED", null));
        reader.history.add(entry("org.apache.felix.fileinstall", LogLevel.WARN, "second", null));
        new LogForwarder(reader, (l, v, m, e) -> lines.add(new Line(l, v, m, e)));
        assertEquals(List.of("first", "second"), lines.stream().map(Line::message).toList());
    }

    @Test
    void aFailingSinkDoesNotThrowIntoTheLogService() {
        LogForwarder forwarder = new LogForwarder(reader, (l, v, m, e) -> {
            throw new IllegalStateException("sink broken");
        });
        forwarder.logged(entry("org.apache.felix.scr", LogLevel.ERROR, "lost", null));
    }

    @Test
    void bundlesWithoutASymbolicNameLogAsOsgi() {
        assertEquals("osgi", LogForwarder.loggerName(bundle(null)));
        assertEquals("osgi", LogForwarder.loggerName(null));
        assertEquals("org.example", LogForwarder.loggerName(bundle("org.example")));
    }

    /** A LogReaderService keeping entries newest first, as the specification says getLog() returns them. */
    private static final class Reader implements LogReaderService {
        final List<LogListener> listeners = new ArrayList<>();
        final List<LogEntry> history = new ArrayList<>();

        void log(LogEntry entry) {
            history.add(entry);
            List.copyOf(listeners).forEach(l -> l.logged(entry));
        }

        @Override
        public void addLogListener(LogListener listener) {
            listeners.add(listener);
        }

        @Override
        public void removeLogListener(LogListener listener) {
            listeners.remove(listener);
        }

        @Override
        public Enumeration<LogEntry> getLog() {
            List<LogEntry> newestFirst = new ArrayList<>(history);
            Collections.reverse(newestFirst);
            return Collections.enumeration(newestFirst);
        }
    }

    private static Bundle bundle(String symbolicName) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSymbolicName" -> symbolicName;
                    case "toString" -> "bundle " + symbolicName;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @SuppressWarnings("deprecation")
    private static LogEntry entry(String symbolicName, LogLevel level, String message, Throwable exception) {
        Bundle bundle = symbolicName == null ? null : bundle(symbolicName);
        long sequence = SEQUENCE.incrementAndGet();
        return new LogEntry() {
            @Override
            public Bundle getBundle() {
                return bundle;
            }

            @Override
            public ServiceReference<?> getServiceReference() {
                return null;
            }

            @Override
            public int getLevel() {
                return level.ordinal();
            }

            @Override
            public String getMessage() {
                return message;
            }

            @Override
            public Throwable getException() {
                return exception;
            }

            @Override
            public long getTime() {
                return sequence;
            }

            @Override
            public LogLevel getLogLevel() {
                return level;
            }

            @Override
            public String getLoggerName() {
                return "LogService";
            }

            @Override
            public long getSequence() {
                return sequence;
            }

            @Override
            public String getThreadInfo() {
                return "test";
            }

            @Override
            public StackTraceElement getLocation() {
                return null;
            }
        };
    }
}
