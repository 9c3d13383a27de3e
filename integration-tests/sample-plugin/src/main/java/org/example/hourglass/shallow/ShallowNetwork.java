package org.example.hourglass.shallow;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds {@code code = act(x W + b)} and {@code reconstruction = out(code W' + c)}, where {@code W'} is
 * {@code W} transposed (tied) or a parameter of its own. The graph is the same in training and inference mode:
 * the family has no noise or dropout, so the parameters carry over by name trivially.
 */
final class ShallowNetwork {

    static final String ENCODER_WEIGHT = "shallow/encoder/weight";
    static final String ENCODER_BIAS = "shallow/encoder/bias";
    static final String DECODER_WEIGHT = "shallow/decoder/weight";
    static final String DECODER_BIAS = "shallow/decoder/bias";

    private ShallowNetwork() {
    }

    static FamilyOutputs build(ShallowSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        long latentSize = ctx.latentSize();
        Tensor x = ShapeOps.flatten(ctx.input(), 1);

        Tensor w = g.param(ENCODER_WEIGHT, Shape.of(features, latentSize), Init.xavierUniform(1.0));
        Tensor b = g.param(ENCODER_BIAS, Shape.of(latentSize), Init.zeros());
        Tensor code = Layers.activate(Ops.gemm(x, w, b, 1.0, 1.0, false, false), s.activation());

        Tensor c = g.param(DECODER_BIAS, Shape.of(features), Init.zeros());
        Tensor decoded;
        if (s.tied()) {
            decoded = Ops.gemm(code, w, c, 1.0, 1.0, false, true); // code @ W^T + c
        } else {
            Tensor v = g.param(DECODER_WEIGHT, Shape.of(latentSize, features), Init.xavierUniform(1.0));
            decoded = Ops.gemm(code, v, c, 1.0, 1.0, false, false);
        }
        Tensor out = Layers.activate(decoded, s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        return FamilyOutputs.of(code, shape.length == 2 ? out : ShapeOps.reshape(out, shape));
    }
}
