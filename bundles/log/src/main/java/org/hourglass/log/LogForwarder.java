package org.hourglass.log;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes OSGi log service entries into the server log (slf4j): every entry at WARN or above, and FileInstall's
 * INFO entries (what it installs, updates and removes). Declarative Services, FileInstall and the framework log
 * through the OSGi log service only, so without this a component that fails to activate or a broken jar in
 * {@code deploy/} leaves no trace on the console. The slf4j logger is named after the bundle that logged.
 */
// No service: it listens through LogReaderService; registered as a LogListener it could be called twice.
@Component(service = {})
public final class LogForwarder implements LogListener {

    /** Where forwarded entries go; slf4j in the framework, a recorder in tests. */
    interface Sink {
        void log(String logger, LogLevel level, String message, Throwable exception);
    }

    static final String FILEINSTALL = "org.apache.felix.fileinstall";
    /** Logger name for entries without a bundle. */
    static final String NO_BUNDLE = "osgi";

    private final LogReaderService reader;
    private final Sink sink;

    @Activate
    public LogForwarder(@Reference LogReaderService reader) {
        this(reader, LogForwarder::toSlf4j);
    }

    LogForwarder(LogReaderService reader, Sink sink) {
        this.reader = reader;
        this.sink = sink;
        // Entries logged before this bundle started (e.g. a bundle in deploy/ that failed at startup) are in
        // the reader's history, newest first: write those first, oldest first. An entry logged between the two
        // calls below is missed; one logged before the snapshot is never written twice.
        List<LogEntry> earlier = new ArrayList<>();
        for (Enumeration<LogEntry> e = reader.getLog(); e != null && e.hasMoreElements(); ) {
            earlier.add(e.nextElement());
        }
        Collections.reverse(earlier);
        earlier.forEach(this::logged);
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        try {
            if (forwarded(entry)) {
                sink.log(loggerName(entry.getBundle()), entry.getLogLevel(), entry.getMessage(), entry.getException());
            }
        } catch (RuntimeException e) {
            // A listener must not throw into the log service: the entry is lost, but not silently.
            LoggerFactory.getLogger(LogForwarder.class).warn("Could not forward an OSGi log entry", e);
        }
    }

    /** WARN, ERROR and AUDIT from anyone; INFO from FileInstall only (DS and the framework are chatty at INFO). */
    static boolean forwarded(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        if (level == null) {
            return false;
        }
        return switch (level) {
            case AUDIT, ERROR, WARN -> true;
            case INFO -> FILEINSTALL.equals(loggerName(entry.getBundle()));
            default -> false;
        };
    }

    static String loggerName(Bundle bundle) {
        String name = bundle == null ? null : bundle.getSymbolicName();
        return name == null ? NO_BUNDLE : name;
    }

    private static void toSlf4j(String name, LogLevel level, String message, Throwable exception) {
        Logger logger = LoggerFactory.getLogger(name);
        switch (level) {
            case ERROR -> logger.error(message, exception);
            case WARN -> logger.warn(message, exception);
            default -> logger.info(message, exception);
        }
    }
}
