package org.hourglass.web.rest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body that remembers whether it was read to its end. A request refused before its body is read (401,
 * 404, 405, 413 ...) leaves the rest of the body on the connection; the container then drops the connection
 * after the answer, and a client that reuses it fails its next request. Such answers say
 * {@code Connection: close} instead.
 */
final class TrackedBody extends FilterInputStream {

    private boolean finished;

    TrackedBody(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        finished |= b < 0;
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        finished |= n < 0;
        return n;
    }

    /** Whether the end of the body was reached. */
    boolean finished() {
        return finished;
    }

    /**
     * Whether the connection must close after the answer: the request announced a body ({@code Content-Length}
     * above 0, or chunked) that was not read to its end.
     */
    static boolean leftUnread(long contentLength, String transferEncoding, boolean finished) {
        boolean hasBody = contentLength > 0 || (contentLength < 0 && transferEncoding != null);
        return hasBody && !finished;
    }
}
