//! A name a signed-in reader uses is theirs: an anonymous reader may not
//! post under it, whatever case, spacing or look-alike letters they type
//! (a Cyrillic "е" for a Latin "e", fullwidth or mathematical letters).

use super::{Error, Outcome};
use crate::state::AppState;
use unicode_security::confusable_detection::skeleton;

/// `name` folded for comparison: invisible characters dropped, Unicode's
/// confusable skeleton (UTS #39) taken without case, and runs of spaces
/// made one. Two names that fold alike read alike. (The skeleton alone
/// keeps case, and folding case before or after it splits look-alikes:
/// see `fold_char`.)
pub fn fold(name: &str) -> String {
    let folded: String = visible(name).map(fold_char).collect();
    // Again over the whole, for look-alikes of several letters ("rn", "m").
    finish(&folded)
}

/// `name` folded the other way round: the confusable skeleton with case
/// kept, then case folded. Where `fold` keeps "I" and "l" apart (they
/// differ without case), this one does not ("BiII" with capital I's reads
/// "Bill"); a name is refused when either matches.
pub fn fold_cased(name: &str) -> String {
    let shown: String = visible(name).collect();
    finish(&skeleton(&shown).collect::<String>().to_lowercase())
}

/// A name's characters less those that show nothing.
fn visible(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().filter(|c| !invisible(*c))
}

/// The last pass of both folds: the skeleton without case, and runs of
/// spaces made one.
fn finish(folded: &str) -> String {
    let whole = skeleton(folded).collect::<String>().to_lowercase();
    whole.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One character, without case and as the Latin letter it looks like.
/// Case is folded on the skeleton's side that keeps letters apart: a
/// Cyrillic or fullwidth "М" looks like "M", so it becomes "m"; but "I"
/// looks like "l", and without case it is "i".
fn fold_char(c: char) -> String {
    let mut one = [0u8; 4];
    let looks_like: String = skeleton(c.encode_utf8(&mut one)).collect();
    if !looks_like.is_empty() && looks_like.chars().all(|l| l.is_ascii_uppercase()) {
        return looks_like.to_ascii_lowercase();
    }
    let lower = c.to_lowercase().collect::<String>();
    skeleton(&lower).collect()
}

/// Characters that show nothing: zero-width spaces and joiners, the word
/// joiner, soft hyphens, bidi marks, variation selectors, the BOM.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Refuses an anonymous reader's `name` when it folds to a signed-in
/// reader's.
pub async fn ensure_free(state: &AppState, name: &str) -> Outcome<()> {
    if state
        .store
        .name_in_use(&fold(name), &fold_cased(name))
        .await?
    {
        return Err(Error::NameTaken);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_cased};

    #[test]
    fn names_that_read_alike_fold_alike() {
        let mei = fold("Mei Lin");
        for alike in [
            "mei lin",
            "MEI LIN",
            "  Mei   Lin ",
            "Меі Lin",                 // Cyrillic Em, ie, Byelorussian-Ukrainian i
            "Ｍｅｉ Ｌｉｎ",           // fullwidth
            "𝐌𝐞𝐢 𝐋𝐢𝐧",                 // mathematical bold
            "Mei\u{200B} L\u{00AD}in", // zero-width space, soft hyphen
            "Mei Lin\u{FE0F}",
        ] {
            assert_eq!(fold(alike), mei, "{alike:?}");
        }
    }

    #[test]
    fn capital_i_for_small_l_is_caught_by_the_cased_key() {
        for (alike, name) in [("BiII", "Bill"), ("LiIy", "Lily"), ("AIan", "Alan")] {
            assert_eq!(fold_cased(alike), fold_cased(name), "{alike:?}");
        }
        assert_ne!(fold_cased("Mel Lin"), fold_cased("Mei Lin"));
    }

    #[test]
    fn different_names_stay_different() {
        for other in ["Mei Ling", "Ada Lin", "Meilin Chen", "Lin Mei", "Mel Lin"] {
            assert_ne!(fold(other), fold("Mei Lin"), "{other:?}");
        }
    }
}
