package org.hourglass.itest.pipeline;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.hourglass.itest.Configurations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * Set-up shared by the in-framework pipeline tests: the framework's bundle context and Configuration Admin, a
 * model folder per test, and a labelled Fashion-MNIST slice (an idx training source of one normal class and a test
 * source of all classes) whose configurations are removed after each test with everything else the test created.
 */
abstract class FashionMnistPipelineTest {

    static final long TIMEOUT = TimeUnit.SECONDS.toMillis(30);

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @TempDir
    Path models;

    Configurations configs;

    private final int normalClass;
    private final int trainCount;
    private final int testCount;
    /** Names of the training and the evaluation data source instances. */
    final String trainingData;
    final String evaluationData;

    /**
     * @param name        prefix of the data source names ({@code <name>-train}, {@code <name>-test})
     * @param normalClass the Fashion-MNIST class that is normal
     * @param trainCount  training images of that class
     * @param testCount   labelled test images of all classes
     */
    FashionMnistPipelineTest(String name, int normalClass, int trainCount, int testCount) {
        this.normalClass = normalClass;
        this.trainCount = trainCount;
        this.testCount = testCount;
        this.trainingData = name + "-train";
        this.evaluationData = name + "-test";
    }

    @BeforeEach
    void dataSources() throws Exception {
        configs = new Configurations(configAdmin);
        configs.fashionMnist(context, normalClass, trainingData, trainCount, evaluationData, testCount);
    }

    @AfterEach
    void cleanUp() throws Exception {
        configs.close();
    }
}
