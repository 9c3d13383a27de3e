package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class TrackedBodyTest {

    @Test
    void aBodyReadToItsEndIsFinishedAPartlyReadOneIsNot() throws Exception {
        TrackedBody partly = new TrackedBody(new ByteArrayInputStream(new byte[100]));
        partly.read(new byte[10]);
        assertFalse(partly.finished());
        assertTrue(TrackedBody.leftUnread(100, null, partly.finished()));

        TrackedBody whole = new TrackedBody(new ByteArrayInputStream(new byte[100]));
        whole.readAllBytes();
        assertTrue(whole.finished());
        assertFalse(TrackedBody.leftUnread(100, null, whole.finished()));

        TrackedBody single = new TrackedBody(new ByteArrayInputStream(new byte[1]));
        single.read();
        assertFalse(single.finished());
        single.read();
        assertTrue(single.finished());
    }

    @Test
    void onlyAnnouncedBodiesLeftUnreadCloseTheConnection() {
        assertFalse(TrackedBody.leftUnread(0, null, false), "no body");
        assertFalse(TrackedBody.leftUnread(-1, null, false), "no length, not chunked: no body (a GET)");
        assertTrue(TrackedBody.leftUnread(-1, "chunked", false), "a chunked body not read");
        assertFalse(TrackedBody.leftUnread(-1, "chunked", true));
        assertTrue(TrackedBody.leftUnread(17L << 20, null, false), "refused as too large before reading");
    }
}
