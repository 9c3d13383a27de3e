package org.hourglass.spi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Typed service property {@code hourglass.name}: put {@code @HourglassName("dense")} on a component to register
 * its default instance under that name. (DS derives the property name {@value PluginProperties#NAME} from the
 * annotation's name.)
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HourglassName {
    String value();
}
