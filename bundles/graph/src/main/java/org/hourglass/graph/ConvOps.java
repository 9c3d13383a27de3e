package org.hourglass.graph;

import static org.hourglass.graph.Ops.attrs;
import static org.hourglass.graph.ShapeRules.requireFloating;
import static org.hourglass.graph.ShapeRules.sameType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** 2-D convolution, transposed convolution, pooling and upsampling on {@code [N, C, H, W]} tensors. */
public final class ConvOps {

    private ConvOps() {
    }

    /** 2-D convolution: {@code x [N, C, H, W]}, {@code w [O, C/groups, kh, kw]}, optional bias {@code [O]}. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        requireFloating("Conv", x, w);
        sameType("Conv", x, w);
        Shape out = ShapeRules.conv2d("Conv '" + x.graph().hint("Conv") + "'", x, w, bias, o);
        return x.graph().node1("Conv", "conv", inputs(x, w, bias), attrs("kernel_shape", kernel(w),
                "strides", o.strides(), "pads", o.pads(), "dilations", o.dilations(), "group", o.groups()), x.dtype(), out);
    }

    /** 2-D transposed convolution: {@code x [N, C, H, W]}, {@code w [C, O/groups, kh, kw]}, optional bias {@code [O]}. */
    public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        requireFloating("ConvTranspose", x, w);
        sameType("ConvTranspose", x, w);
        Shape out = ShapeRules.convTranspose2d("ConvTranspose '" + x.graph().hint("ConvTranspose") + "'", x, w, bias, o);
        return x.graph().node1("ConvTranspose", "convTranspose", inputs(x, w, bias), attrs("kernel_shape", kernel(w),
                "strides", o.strides(), "pads", o.pads(), "dilations", o.dilations(), "group", o.groups(),
                "output_padding", o.outputPadding()), x.dtype(), out);
    }

    private static List<Tensor> inputs(Tensor x, Tensor w, Tensor bias) {
        List<Tensor> in = new ArrayList<>(List.of(x, w));
        if (bias != null) {
            in.add(bias);
        }
        return in;
    }

    private static long[] kernel(Tensor w) {
        return new long[] {w.shape().dim(2), w.shape().dim(3)};
    }

    /** 2-D average pooling; {@code countIncludePad} decides whether padded zeros count in the divisor. */
    public static Tensor avgPool2d(Tensor x, long[] kernel, ConvOptions o, boolean countIncludePad) {
        requireFloating("AveragePool", x);
        Shape out = ShapeRules.pool("AveragePool", x, kernel, o);
        return x.graph().node1("AveragePool", "avgPool", List.of(x), attrs("kernel_shape", kernel.clone(),
                "strides", o.strides(), "pads", o.pads(), "count_include_pad", countIncludePad ? 1L : 0L), x.dtype(), out);
    }

    /** 2-D max pooling (the node also outputs the argmax indices its gradient uses). */
    public static Tensor maxPool2d(Tensor x, long[] kernel, ConvOptions o) {
        requireFloating("MaxPool", x);
        Shape out = ShapeRules.pool("MaxPool", x, kernel, o);
        return x.graph().node("MaxPool", "MaxPool", "maxPool", List.of(x), attrs("kernel_shape", kernel.clone(),
                "strides", o.strides(), "pads", o.pads()), List.of(x.dtype(), DType.INT64), List.of(out, out)).get(0);
    }

    /** Nearest-neighbour 2x upsampling of {@code [N, C, H, W]} (ONNX Resize, each pixel copied to a 2x2 block). */
    public static Tensor upsample2x(Tensor x) {
        requireFloating("Resize", x);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("Resize: needs x [N, C, H, W], got " + x.shape());
        }
        long h = x.shape().dim(2);
        long w = x.shape().dim(3);
        Tensor scales = x.graph().sharedConstant("resize2x", "const/scales_2x",
                () -> HostTensor.ofFloats(new float[] {1, 1, 2, 2}, 4));
        return x.graph().node1("Resize", "resize", Arrays.asList(x, null, scales),
                attrs("mode", "nearest", "coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor"),
                x.dtype(), Shape.of(x.shape().dim(0), x.shape().dim(1), h == Shape.DYNAMIC ? h : 2 * h,
                        w == Shape.DYNAMIC ? w : 2 * w));
    }
}
