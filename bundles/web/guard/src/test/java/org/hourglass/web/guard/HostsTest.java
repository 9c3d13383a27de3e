package org.hourglass.web.guard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostsTest {

    @Test
    void loopbackBindAnswersAsItsAddressAndTheLoopbackNames() {
        Hosts h = new Hosts(List.of("http://127.0.0.1:8080/"), List.of());
        for (String ok : new String[] {"127.0.0.1:8080", "127.0.0.1", "localhost:8080", "LOCALHOST", "localhost.",
                "[::1]:8080", null}) {
            assertTrue(h.allows(ok), ok);
        }
        for (String bad : new String[] {"evil.example:8080", "evil.example", "127.0.0.2:8080", "", "[::2]:8080",
                "localhost.evil.example"}) {
            assertFalse(h.allows(bad), bad);
        }
    }

    @Test
    void otherEndpointsAndConfiguredNames() {
        Hosts h = new Hosts(List.of("http://192.168.1.7:8080/", "http://[fe80::1]:8080/"),
                List.of("hourglass.example.org", "10.0.0.5:8443", "fe80::2"));
        for (String ok : new String[] {"192.168.1.7:8080", "[fe80::1]:8080", "Hourglass.Example.Org", "10.0.0.5",
                "[fe80::2]", "localhost"}) {
            assertTrue(h.allows(ok), ok);
        }
        assertFalse(h.allows("example.org"));
        assertFalse(new Hosts(List.of("not a uri"), List.of()).allows("not a uri"));
    }
}
