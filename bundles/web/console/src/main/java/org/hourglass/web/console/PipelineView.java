package org.hourglass.web.console;

import java.util.Map;
import java.util.Optional;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ScoreHistogram;

/**
 * What the page shows of one pipeline, taken at one moment.
 *
 * @param status        its status
 * @param histogram     the served model's score histogram, if one serves
 * @param configuration its configuration as given
 * @param configPid     the PID of its configuration (for the Configuration Manager link); empty when unknown
 */
record PipelineView(PipelineStatus status, Optional<ScoreHistogram> histogram, Map<String, Object> configuration,
                    String configPid) {

    String name() {
        return status.name();
    }
}
