//! The one place where the CPU kernels' instruction set is chosen: [`isa_dispatch!`]
//! compiles a kernel's body once per instruction set, each copy a `#[target_feature]`
//! function, and calls the copy a [`Kernel`](super::Kernel) names.

/// The instruction sets a body is compiled for; inside the body, the name given to
/// the macro is one of these types, for code that differs by instruction set (the
/// noisy kernel's hand-written AVX-512 Philox).
pub(crate) mod set {
    /// AVX-512 F, BW, VL and DQ.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) struct Avx512;
    /// AVX2.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) struct Avx2;
    /// No extension: what the compiler targets by default.
    pub(crate) struct Baseline;
}

/// `isa_dispatch!(kernel, |arg: Type, …| Set => body)` runs `body` (over the
/// arguments) compiled for the instruction set `kernel` names, with `Set` the type of
/// [`set`] for it.
///
/// # Panics
///
/// If the processor does not run `kernel` (or, off x86-64, `kernel` is not
/// `Baseline`).
macro_rules! isa_dispatch {
    ($kernel:expr, |$($arg:ident: $ty:ty),* $(,)?| $set:ident => $body:expr) => {{
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
        fn avx512($($arg: $ty),*) {
            #[allow(dead_code)]
            type $set = $crate::backend::cpu::isa::set::Avx512;
            $body
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn avx2($($arg: $ty),*) {
            #[allow(dead_code)]
            type $set = $crate::backend::cpu::isa::set::Avx2;
            $body
        }
        fn baseline($($arg: $ty),*) {
            #[allow(dead_code)]
            type $set = $crate::backend::cpu::isa::set::Baseline;
            $body
        }
        let kernel: $crate::backend::cpu::Kernel = $kernel;
        match kernel {
            #[cfg(target_arch = "x86_64")]
            $crate::backend::cpu::Kernel::Avx512 => {
                assert!(kernel.is_supported(), "no AVX-512 here");
                // SAFETY: the processor has the features, checked just above.
                unsafe { avx512($($arg),*) }
            }
            #[cfg(target_arch = "x86_64")]
            $crate::backend::cpu::Kernel::Avx2 => {
                assert!(kernel.is_supported(), "no AVX2 here");
                // SAFETY: the processor has the feature, checked just above.
                unsafe { avx2($($arg),*) }
            }
            #[cfg(not(target_arch = "x86_64"))]
            $crate::backend::cpu::Kernel::Avx512 | $crate::backend::cpu::Kernel::Avx2 => {
                panic!("{} is x86-64 only", kernel.name())
            }
            $crate::backend::cpu::Kernel::Baseline => baseline($($arg),*),
        }
    }};
}
