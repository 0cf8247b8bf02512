//! wirewalk's Unicode back end for the `idna` crate.
//!
//! The `url` crate turns an international host name into its ASCII form through `idna`, which
//! implements UTS #46 (Unicode IDNA Compatibility Processing) and asks an "adapter" crate for the
//! Unicode data it needs: the UTS #46 mapping followed by NFC, and four character properties
//! (Bidi_Class, Joining_Type, General_Category = Mark, Canonical_Combining_Class = Virama). This
//! crate is that adapter, with the same public surface as `idna_adapter` 1.2 on crates.io, which
//! the top `Cargo.toml` replaces with it.
//!
//! - **Native** (the CLI, the tests, the benchmarks): everything comes from ICU4X's compiled data,
//!   exactly as with the crate it replaces, so the URL conformance tests judge the same code.
//! - **In the web bundle** the mapping and the Mark test come from the browser itself: the mapping
//!   from its WHATWG URL parser (`new URL`), the Mark test from a `\p{M}` regular expression. The
//!   browser is Chromium or another engine that already carries ICU's tables, so the bundle does not
//!   need ICU4X's normalisation data (about 35 KB gzip of the app's budget of 250 KB). Bidi_Class
//!   still comes from ICU4X: the bidi rule spans labels, and the browser sees one label at a time.
//!   The joiner rules (RFC 5892 CONTEXTJ: a ZERO WIDTH JOINER after a virama, a NON-JOINER between
//!   joining letters) need no data here: their context never leaves the label, the browser's parser
//!   has already checked them on the label's whole non-ASCII tail (an ASCII neighbour is
//!   non-joining and never a virama, so the result is the same), and a tail it refuses never
//!   reaches these checks. So [`Adapter::is_virama`] answers "yes" there, which lets every joiner
//!   the browser accepted pass, and Joining_Type is never asked.
//!
//! How the browser mapping is asked, and what it leaves out, is in [`browser`]'s docs.

mod punycode;

#[cfg(target_arch = "wasm32")]
mod browser;

use icu_properties::props::{BidiClass as Bc, JoiningType as Jt};
use icu_properties::{CodePointMapData, CodePointMapDataBorrowed};

// A type's bit in a mask is its ICU4C number: ICU4X marks that accessor deprecated (it asks users
// to say why they need it, icu4x#6067), but it is the only one usable in a `const fn`.
#[allow(deprecated)]
const fn jt_bit(jt: Jt) -> u32 {
    1 << jt.to_icu4c_value()
}

#[allow(deprecated)]
const fn bc_bit(bc: Bc) -> u32 {
    1 << bc.to_icu4c_value()
}

/// Joining types a ZERO WIDTH NON-JOINER may follow (RFC 5892, Appendix A.1).
pub const LEFT_OR_DUAL_JOINING_MASK: JoiningTypeMask =
    JoiningTypeMask(jt_bit(Jt::LeftJoining) | jt_bit(Jt::DualJoining));

/// Joining types a ZERO WIDTH NON-JOINER may precede (RFC 5892, Appendix A.1).
pub const RIGHT_OR_DUAL_JOINING_MASK: JoiningTypeMask =
    JoiningTypeMask(jt_bit(Jt::RightJoining) | jt_bit(Jt::DualJoining));

/// Classes that make a domain a "Bidi domain" (RFC 5893, section 1.4).
pub const RTL_MASK: BidiClassMask =
    BidiClassMask(bc_bit(Bc::RightToLeft) | bc_bit(Bc::ArabicLetter) | bc_bit(Bc::ArabicNumber));

/// Classes a label may start with (RFC 5893, section 2, rule 1).
pub const FIRST_BC_MASK: BidiClassMask =
    BidiClassMask(bc_bit(Bc::LeftToRight) | bc_bit(Bc::RightToLeft) | bc_bit(Bc::ArabicLetter));

/// Classes a left-to-right label may end with (rule 6).
pub const LAST_LTR_MASK: BidiClassMask =
    BidiClassMask(bc_bit(Bc::LeftToRight) | bc_bit(Bc::EuropeanNumber));

/// Classes a right-to-left label may end with (rule 3).
pub const LAST_RTL_MASK: BidiClassMask = BidiClassMask(RTL_MASK.0 | bc_bit(Bc::EuropeanNumber));

/// The numbers, separators and neutrals both directions allow inside a label (rules 2 and 5).
const INSIDE_EITHER: u32 = bc_bit(Bc::EuropeanNumber)
    | bc_bit(Bc::EuropeanSeparator)
    | bc_bit(Bc::CommonSeparator)
    | bc_bit(Bc::EuropeanTerminator)
    | bc_bit(Bc::OtherNeutral)
    | bc_bit(Bc::BoundaryNeutral)
    | bc_bit(Bc::NonspacingMark);

/// Classes allowed inside a left-to-right label (rule 5).
pub const MIDDLE_LTR_MASK: BidiClassMask = BidiClassMask(bc_bit(Bc::LeftToRight) | INSIDE_EITHER);

/// Classes allowed inside a right-to-left label (rule 2).
pub const MIDDLE_RTL_MASK: BidiClassMask = BidiClassMask(RTL_MASK.0 | INSIDE_EITHER);

/// A character's Joining_Type.
#[derive(Clone, Copy)]
pub struct JoiningType(Jt);

impl JoiningType {
    /// This type as a one-bit mask.
    pub fn to_mask(self) -> JoiningTypeMask {
        JoiningTypeMask(jt_bit(self.0))
    }

    /// Whether the type is Transparent (skipped when looking for a joining neighbour).
    pub fn is_transparent(self) -> bool {
        self.0 == Jt::Transparent
    }
}

/// A set of joining types.
#[derive(Clone, Copy)]
pub struct JoiningTypeMask(u32);

impl JoiningTypeMask {
    /// Whether the two sets share a type.
    pub fn intersects(self, other: JoiningTypeMask) -> bool {
        self.0 & other.0 != 0
    }
}

/// A character's Bidi_Class.
#[derive(Clone, Copy)]
pub struct BidiClass(Bc);

impl BidiClass {
    /// This class as a one-bit mask.
    pub fn to_mask(self) -> BidiClassMask {
        BidiClassMask(bc_bit(self.0))
    }

    /// Left_To_Right (L).
    pub fn is_ltr(self) -> bool {
        self.0 == Bc::LeftToRight
    }

    /// Nonspacing_Mark (NSM).
    pub fn is_nonspacing_mark(self) -> bool {
        self.0 == Bc::NonspacingMark
    }

    /// European_Number (EN).
    pub fn is_european_number(self) -> bool {
        self.0 == Bc::EuropeanNumber
    }

    /// Arabic_Number (AN).
    pub fn is_arabic_number(self) -> bool {
        self.0 == Bc::ArabicNumber
    }
}

/// A set of bidi classes.
#[derive(Clone, Copy)]
pub struct BidiClassMask(u32);

impl BidiClassMask {
    /// Whether the two sets share a class.
    pub fn intersects(self, other: BidiClassMask) -> bool {
        self.0 & other.0 != 0
    }
}

/// The data `idna` asks for; see the crate docs for where each answer comes from.
pub struct Adapter {
    bidi_class: CodePointMapDataBorrowed<'static, Bc>,
    #[cfg(not(target_arch = "wasm32"))]
    joining_type: CodePointMapDataBorrowed<'static, Jt>,
    #[cfg(not(target_arch = "wasm32"))]
    mapper: icu_normalizer::uts46::Uts46MapperBorrowed<'static>,
    #[cfg(not(target_arch = "wasm32"))]
    general_category: CodePointMapDataBorrowed<'static, icu_properties::props::GeneralCategory>,
}

impl Default for Adapter {
    fn default() -> Self {
        Self::new()
    }
}

impl Adapter {
    /// The adapter over the data compiled into the binary (and, in wasm, the browser).
    pub const fn new() -> Self {
        Self {
            bidi_class: CodePointMapData::<Bc>::new(),
            #[cfg(not(target_arch = "wasm32"))]
            joining_type: CodePointMapData::<Jt>::new(),
            #[cfg(not(target_arch = "wasm32"))]
            mapper: icu_normalizer::uts46::Uts46MapperBorrowed::new(),
            #[cfg(not(target_arch = "wasm32"))]
            general_category: CodePointMapData::<icu_properties::props::GeneralCategory>::new(),
        }
    }

    /// Whether `c`'s Canonical_Combining_Class is Virama (9), for the CONTEXTJ rules of RFC 5892.
    /// In the web bundle always `true`: the browser has checked those rules (see the crate docs).
    pub fn is_virama(&self, c: char) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        return self.mapper.is_virama(c);
        #[cfg(target_arch = "wasm32")]
        {
            let _ = c;
            true
        }
    }

    /// Whether `c`'s General_Category is a Mark (Mn, Mc or Me): a label may not start with one.
    pub fn is_mark(&self, c: char) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        {
            use icu_properties::props::GeneralCategory as Gc;
            matches!(
                self.general_category.get(c),
                Gc::NonspacingMark | Gc::SpacingMark | Gc::EnclosingMark
            )
        }
        #[cfg(target_arch = "wasm32")]
        browser::is_mark(c)
    }

    /// `c`'s Bidi_Class.
    pub fn bidi_class(&self, c: char) -> BidiClass {
        BidiClass(self.bidi_class.get(c))
    }

    /// `c`'s Joining_Type. Never asked in the web bundle, where [`Adapter::is_virama`] is `true`
    /// (see the crate docs); it answers Dual_Joining there, which would let a joiner pass.
    pub fn joining_type(&self, c: char) -> JoiningType {
        #[cfg(not(target_arch = "wasm32"))]
        return JoiningType(self.joining_type.get(c));
        #[cfg(target_arch = "wasm32")]
        {
            let _ = c;
            JoiningType(Jt::DualJoining)
        }
    }

    /// The UTS #46 mapping of `iter` (disallowed characters become U+FFFD, ignored ones vanish),
    /// then NFC. `idna` passes one label's non-ASCII tail at a time.
    pub fn map_normalize<'delegate, I: Iterator<Item = char> + 'delegate>(
        &'delegate self,
        iter: I,
    ) -> impl Iterator<Item = char> + 'delegate {
        #[cfg(not(target_arch = "wasm32"))]
        return self.mapper.map_normalize(iter);
        #[cfg(target_arch = "wasm32")]
        return browser::map(&iter.collect::<String>()).into_iter();
    }

    /// NFC of a label decoded from Punycode, with every character that UTS #46 does not leave as
    /// it is replaced by U+FFFD; `idna` rejects the label where the output differs from the input.
    pub fn normalize_validate<'delegate, I: Iterator<Item = char> + 'delegate>(
        &'delegate self,
        iter: I,
    ) -> impl Iterator<Item = char> + 'delegate {
        #[cfg(not(target_arch = "wasm32"))]
        return self.mapper.normalize_validate(iter);
        #[cfg(target_arch = "wasm32")]
        return browser::validate(&iter.collect::<String>()).into_iter();
    }
}
