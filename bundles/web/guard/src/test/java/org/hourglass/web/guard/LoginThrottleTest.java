package org.hourglass.web.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    @Test
    void addressesAreBoundedForgottenOnesFirst() {
        LoginThrottle t = new LoginThrottle(5, 60_000);
        long now = 0;
        for (int i = 0; i < LoginThrottle.MAX_ADDRESSES; i++) {
            t.failed("10.0." + (i / 256) + "." + (i % 256), now);
        }
        assertEquals(LoginThrottle.MAX_ADDRESSES, t.size());
        now += LoginThrottle.FORGET_MILLIS + 1;
        t.failed("192.168.0.1", now);
        assertEquals(1, t.size(), "the forgotten ones went");

        for (int i = 0; i < 2 * LoginThrottle.MAX_ADDRESSES; i++) {
            t.failed("10.1." + (i / 256) + "." + (i % 256), now + i);
        }
        assertTrue(t.size() <= LoginThrottle.MAX_ADDRESSES, "size " + t.size());
        assertTrue(t.lockedFor("10.1.78.31", now + 2 * LoginThrottle.MAX_ADDRESSES) >= 0);
        // Locked addresses are kept whatever their number: a lock-out is not undone by filling the table.
        LoginThrottle locking = new LoginThrottle(0, 60_000);
        locking.failed("attacker", 0);
        for (int i = 0; i < 2 * LoginThrottle.MAX_ADDRESSES; i++) {
            locking.failed("10.2." + (i / 256) + "." + (i % 256), 1 + i / 1000);
        }
        assertTrue(locking.lockedFor("attacker", 1) > 0);
        assertTrue(locking.size() <= LoginThrottle.MAX_ADDRESSES, "size " + locking.size());
        assertEquals(0, locking.failed("newcomer", 21).lockedUntil(), "a full table records no new address");
    }

    @Test
    void aLockIsNeverShorterThanOneSecondNorLongerThanTheMaximum() {
        LoginThrottle t = new LoginThrottle(0, 3_000);
        assertEquals(1000, t.failed("a", 0).lockedUntil());
        assertEquals(2000, t.failed("a", 0).lockedUntil());
        assertEquals(3000, t.failed("a", 0).lockedUntil(), "4 s capped at 3 s");
        assertEquals(3000, t.lockedFor("a", 0));
        assertEquals(0, t.lockedFor("b", 0));
    }
}
