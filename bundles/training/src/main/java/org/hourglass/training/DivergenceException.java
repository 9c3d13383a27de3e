package org.hourglass.training;

/**
 * The training loss became NaN or infinite. The trainer's state then holds the step that diverged; a caller that
 * kept an earlier state (e.g. the last finished epoch's) can restore it and try again more carefully.
 */
public class DivergenceException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final long step;
    private final double loss;

    public DivergenceException(String message, long step, double loss) {
        super(message);
        this.step = step;
        this.loss = loss;
    }

    /** Global number of the step whose loss was not finite. */
    public long step() {
        return step;
    }

    /** The loss it reported: NaN or an infinity. */
    public double loss() {
        return loss;
    }
}
