package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {

    @Test
    void valuesAreEscapedAndMarkupIsNot() {
        Template t = Template.of("t", "<p title=\"{{a}}\">{{b}} {{c}}</p>");
        Html out = t.render(Map.of("a", "x\"><script>", "b", "<b>&'", "c", new Html("<i>ok</i>")));
        assertEquals("<p title=\"x&quot;&gt;&lt;script&gt;\">&lt;b&gt;&amp;&#39; <i>ok</i></p>", out.markup());
    }

    @Test
    void consolePlaceholdersInValuesStayText() {
        // The Web Console resolves ${...} in its responses; a value must not be able to use that.
        Html out = Template.of("t", "{{v}}").render(Map.of("v", "${logout}"));
        assertEquals("&#36;{logout}", out.markup());
    }

    @Test
    void missingValueIsAnErrorNamingTheSlot() {
        Template t = Template.of("page", "{{present}} {{absent}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(Map.of("present", "x")));
        assertTrue(e.getMessage().contains("{{absent}}") && e.getMessage().contains("page"), e.getMessage());
    }

    @Test
    void nullAndNumbersRender() {
        Map<String, Object> v = new HashMap<>();
        v.put("n", null);
        v.put("i", 42);
        assertEquals("[] [42]", Template.of("t", "[{{n}}] [{{i}}]").render(v).markup());
    }

    @Test
    void textOutsideSlotsIsKeptAsIs() {
        assertEquals("a { b } {{ c", Template.of("t", "a { b } {{ c").render(Map.of()).markup());
    }

    @Test
    void bundledTemplatesLoadAndJoin() {
        Html row = Template.load("kv-row.html").render(Map.of("key", "k<", "value", "v"));
        assertTrue(row.markup().contains("<th>k&lt;</th><td>v</td>"), row.markup());
        assertEquals("ab", Html.join(List.of(new Html("a"), Html.text("b"))).markup());
        assertThrows(IllegalStateException.class, () -> Template.load("no-such.html"));
    }
}
