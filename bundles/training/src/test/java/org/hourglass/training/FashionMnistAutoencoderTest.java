package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.api.Test;

/** Real data: a dense autoencoder 784-256-64-256-784 on a 2,000-image slice of Fashion-MNIST. */
class FashionMnistAutoencoderTest {

    static final int IMAGES = 2000;

    @Test
    void denseAutoencoderLossFallsSubstantially() throws Exception {
        float[] images = FashionMnist.trainImages(IMAGES);
        Graph g = Graph.create(2024);
        Tensor x = g.input("x", Shape.batchOf(784));
        Tensor z = Layers.mlp("encoder", x, new long[] {256, 64}, Layers.Activation.RELU, Layers.Activation.NONE);
        Tensor recon = Layers.mlp("decoder", z, new long[] {256, 784}, Layers.Activation.RELU, Layers.Activation.SIGMOID);
        Tensor loss = Ort.mse(recon, x);
        TrainStepModel model = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam()).build();

        try (Trainer trainer = new Trainer(Ort.executor(), model, "fashion-mnist-ae")) {
            TrainingResult r = trainer.fit(TrainingData.of("x", images, IMAGES), TrainingConfig.of(5, 64, 1e-3, 7),
                    TrainingListener.onEpochs(s -> System.out.printf(
                            "fashion-mnist AE epoch %d: mean loss %.5f, %.0f samples/s%n", s.epoch(), s.meanLoss(),
                            s.samplesPerSecond())));
            System.out.printf("fashion-mnist AE: first step loss %.5f, last epoch %.5f, %d steps, %.0f samples/s%n",
                    r.firstLoss(), r.finalLoss(), r.steps(), r.samplesPerSecond());
            assertTrue(r.finalLoss() < 0.6 * r.firstLoss(),
                    "loss should fall below 60% of the first step's: first " + r.firstLoss() + ", final " + r.finalLoss());
            assertTrue(r.finalLoss() < 0.035, "a 64-d bottleneck reconstructs Fashion-MNIST to an MSE well under 0.035, got "
                    + r.finalLoss());
        }
    }
}
