package org.hourglass.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An optimizer, appended to the train-step model as an update subgraph per parameter. The learning rate and
 * the step number are model inputs, so schedules live in Java. Semantics follow PyTorch's {@code SGD},
 * {@code Adam} and {@code AdamW}.
 */
public final class Optimizer {

    /** The update rules. */
    public enum Kind { SGD, ADAM, ADAMW }

    private final Kind kind;
    private final double momentum;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    private Optimizer(Kind kind, double momentum, double beta1, double beta2, double epsilon, double weightDecay) {
        if (momentum < 0 || momentum >= 1 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("momentum and betas must be in [0, 1)");
        }
        if (epsilon < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("epsilon and weight decay must be >= 0");
        }
        this.kind = kind;
        this.momentum = momentum;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** Plain SGD ({@code momentum = 0}) or SGD with momentum ({@code buf = momentum*buf + g; p -= lr*buf}). */
    public static Optimizer sgd(double momentum) {
        return new Optimizer(Kind.SGD, momentum, 0, 0, 0, 0);
    }

    /** SGD with L2 weight decay added to the gradient. */
    public static Optimizer sgd(double momentum, double weightDecay) {
        return new Optimizer(Kind.SGD, momentum, 0, 0, 0, weightDecay);
    }

    public static Optimizer adam(double beta1, double beta2, double epsilon) {
        return new Optimizer(Kind.ADAM, 0, beta1, beta2, epsilon, 0);
    }

    /** Adam with PyTorch's defaults: betas 0.9 / 0.999, epsilon 1e-8. */
    public static Optimizer adam() {
        return adam(0.9, 0.999, 1e-8);
    }

    /** Adam with decoupled weight decay: {@code p *= 1 - lr*weightDecay} before the Adam step. */
    public static Optimizer adamW(double beta1, double beta2, double epsilon, double weightDecay) {
        return new Optimizer(Kind.ADAMW, 0, beta1, beta2, epsilon, weightDecay);
    }

    public Kind kind() {
        return kind;
    }

    public double momentum() {
        return momentum;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /**
     * Names of the per-parameter state slots: {@code momentum} for SGD with momentum; {@code m}, {@code v} for
     * Adam and AdamW (stored divided by {@code 1 - beta1} and {@code 1 - beta2}, see {@link #update}).
     */
    public List<String> slots() {
        switch (kind) {
            case SGD: return momentum > 0 ? List.of("momentum") : List.of();
            default: return List.of("m", "v");
        }
    }

    /** Per-step scalars shared by all parameters. */
    static final class StepScalars {
        Tensor stepSize;    // Adam: lr * sqrt(1 - b2^t) / (1 - b1^t) * (1 - b1) / sqrt(1 - b2)
        Tensor epsHat;      // Adam: eps * sqrt(1 - b2^t) / sqrt(1 - b2)
        Tensor decay;       // AdamW: 1 - lr * wd
        Tensor lr;
    }

    StepScalars prepare(Graph g, Tensor lr, Tensor step) {
        StepScalars s = new StepScalars();
        s.lr = lr;
        if (kind != Kind.SGD) {
            Tensor bc1 = Ops.sub(1.0, GradOps.powTensor(g.scalar(beta1, lr.dtype()), step));
            Tensor sqrtBc2 = Ops.sqrt(Ops.sub(1.0, GradOps.powTensor(g.scalar(beta2, lr.dtype()), step)));
            s.stepSize = Ops.mul(Ops.div(Ops.mul(lr, sqrtBc2), bc1), (1 - beta1) / Math.sqrt(1 - beta2));
            s.epsHat = Ops.mul(sqrtBc2, epsilon / Math.sqrt(1 - beta2));
        }
        if (kind == Kind.ADAMW && weightDecay > 0) {
            s.decay = Ops.sub(1.0, Ops.mul(lr, weightDecay));
        }
        return s;
    }

    /**
     * The update of one parameter (or of several flattened into one vector): the new parameter under key
     * {@code "param"}, new state under the slot names.
     *
     * <p>Adam keeps its moments pre-divided by {@code (1 - beta)}: slot {@code m} holds {@code m / (1 - beta1)}
     * and slot {@code v} holds {@code v / (1 - beta2)} in PyTorch's terms. Then {@code m <- beta1 m + g} and
     * {@code v <- beta2 v + g^2} need 2 and 3 elementwise ops instead of 3 and 4, and the constant factors move
     * into the per-step scalars: {@code p - stepSize * m / (sqrt(v) + epsHat)}, algebraically PyTorch's update.
     * Elementwise passes over the parameters are the largest cost after the matrix products.
     */
    Map<String, Tensor> update(Graph g, StepScalars s, Tensor p, Tensor grad, Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        switch (kind) {
            case SGD: {
                Tensor d = weightDecay > 0 ? Ops.add(grad, Ops.mul(p, weightDecay)) : grad;
                if (momentum > 0) {
                    d = Ops.add(Ops.mul(state.get("momentum"), momentum), d);
                    out.put("momentum", d);
                }
                out.put("param", Ops.sub(p, Ops.mul(d, s.lr)));
                return out;
            }
            default: {
                Tensor m2 = Ops.add(Ops.mul(state.get("m"), beta1), grad);
                Tensor v2 = Ops.add(Ops.mul(state.get("v"), beta2), Ops.mul(grad, grad));
                Tensor base = s.decay != null ? Ops.mul(p, s.decay) : p;
                Tensor step = Ops.div(Ops.mul(m2, s.stepSize), Ops.add(Ops.sqrt(v2), s.epsHat));
                out.put("param", Ops.sub(base, step));
                out.put("m", m2);
                out.put("v", v2);
                return out;
            }
        }
    }

    @Override
    public String toString() {
        switch (kind) {
            case SGD: return "SGD(momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
            case ADAM: return "Adam(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + epsilon + ")";
            default: return "AdamW(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + epsilon + ", weightDecay="
                    + weightDecay + ")";
        }
    }
}
