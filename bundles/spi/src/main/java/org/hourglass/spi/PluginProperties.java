package org.hourglass.spi;

/** Service property names shared by all plug-ins. */
public final class PluginProperties {

    /** The instance's name, unique per plug-in kind; pipelines refer to plug-ins by it. */
    public static final String NAME = "hourglass.name";

    /** Service property a plug-in may set to let the Web Console name new factory instances after their name. */
    public static final String NAME_HINT = "webconsole.configurationFactory.nameHint={hourglass.name}";

    private PluginProperties() {
    }

    /**
     * The configured instance name, trimmed; fails naming the plug-in when it is blank (a factory instance
     * created without a name).
     */
    public static String requireName(String name, String pluginPid) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(pluginPid + ": the configuration needs a non-empty '" + NAME + "'");
        }
        return name.trim();
    }
}
