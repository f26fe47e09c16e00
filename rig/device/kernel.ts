/**
 * The virtual boards' kernel (kernel/): what the lab and the tests use of it. The
 * pieces: the board's factory image (board-image.ts), the module file reader
 * (module-file.ts), the flash images on disk (flash-images.ts), the loaded modules
 * (modules.ts), the kernel log, the kernel commands and file tools, the faults, the
 * kernel itself (virtual-kernel.ts) and the lab's wiring (lab-kernels.ts).
 */
export { DEFAULT_BOOT_MS, VirtualKernel, type KernelHooks, type KernelOptions } from './kernel/virtual-kernel.ts';
export type { DriverState, LoadedModule } from './kernel/modules.ts';
export { checkLabFirmware, installLabKernels, type LabKernelOptions } from './kernel/lab-kernels.ts';
