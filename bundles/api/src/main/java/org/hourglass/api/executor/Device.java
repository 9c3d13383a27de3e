package org.hourglass.api.executor;

/** Where models run. */
public enum Device {
    /** CUDA when the CUDA build is deployed and a GPU answers, else CPU. */
    AUTO,
    /** Always the CPU execution provider. */
    CPU,
    /** The CUDA execution provider; fails clearly when no GPU or no CUDA build is present. */
    CUDA
}
