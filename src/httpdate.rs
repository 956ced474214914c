//! Reads `Retry-After` and `Date` header values (RFC 9110 §10.2.3 and §5.6.7) as Unix epoch seconds.

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn is_one_of(word: &str, names: &[&str]) -> bool {
    names.iter().any(|name| name.eq_ignore_ascii_case(word))
}

fn month(word: &str) -> Option<u32> {
    let index = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(word))?;
    u32::try_from(index).ok()?.checked_add(1)
}

/// A decimal number of `min..=max` ASCII digits.
fn number(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.bytes().try_fold(0u32, |n, b| n.checked_mul(10)?.checked_add(u32::from(b.saturating_sub(b'0'))))
}

/// `hh:mm:ss`, with a leap second read as 59 so it stays within its minute.
fn time_of_day(text: &str) -> Option<u32> {
    let mut parts = text.split(':');
    let hour = number(parts.next()?, 2, 2)?;
    let minute = number(parts.next()?, 2, 2)?;
    let second = number(parts.next()?, 2, 2)?;
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    hour.checked_mul(3600)?.checked_add(minute.checked_mul(60)?)?.checked_add(second.min(59))
}

fn is_leap(year: u32) -> bool {
    // Not `% 4 == 0`: clippy wants `is_multiple_of` there, which is newer than the crate's minimum Rust.
    match year % 100 {
        0 => (year / 100).trailing_zeros() >= 2,
        _ => year.trailing_zeros() >= 2,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`; years before 1970 are refused, so every step stays non-negative.
fn days_from_civil(year: u32, month: u32, day: u32) -> Option<u64> {
    if year < 1970 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let year = u64::from(if month <= 2 { year.checked_sub(1)? } else { year });
    let month = u64::from(month);
    let era = year / 400;
    let year_of_era = year % 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + u64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era.checked_mul(146_097)?.checked_add(day_of_era)?.checked_sub(719_468)
}

fn epoch_seconds(year: u32, month: u32, day: u32, time: &str) -> Option<u64> {
    let seconds = time_of_day(time)?;
    days_from_civil(year, month, day)?.checked_mul(86_400)?.checked_add(u64::from(seconds))
}

fn is_gmt(word: &str) -> bool {
    word.eq_ignore_ascii_case("GMT")
}

/// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn imf_fixdate(words: &[&str]) -> Option<u64> {
    let [weekday, day, month_name, year, time, zone] = words else {
        return None;
    };
    if !is_one_of(weekday.strip_suffix(',')?, &SHORT_DAYS) || !is_gmt(zone) {
        return None;
    }
    epoch_seconds(number(year, 4, 4)?, month(month_name)?, number(day, 1, 2)?, time)
}

/// Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
fn rfc850(words: &[&str]) -> Option<u64> {
    let [weekday, date, time, zone] = words else {
        return None;
    };
    if !is_one_of(weekday.strip_suffix(',')?, &LONG_DAYS) || !is_gmt(zone) {
        return None;
    }
    let mut parts = date.split('-');
    let day = number(parts.next()?, 1, 2)?;
    let month = month(parts.next()?)?;
    let year_text = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    // RFC 9110 puts a two-digit year no more than 50 years ahead; a fixed 1970 pivot is close enough for
    // retry timing and does not depend on a clock. Some servers send four digits here, which is unambiguous.
    let year = match number(year_text, 2, 2) {
        Some(short) if short < 70 => short.checked_add(2000)?,
        Some(short) => short.checked_add(1900)?,
        None => number(year_text, 4, 4)?,
    };
    epoch_seconds(year, month, day, time)
}

/// ANSI C asctime: `Sun Nov  6 08:49:37 1994`.
fn asctime(words: &[&str]) -> Option<u64> {
    let [weekday, month_name, day, time, year] = words else {
        return None;
    };
    if !is_one_of(weekday, &SHORT_DAYS) {
        return None;
    }
    epoch_seconds(number(year, 4, 4)?, month(month_name)?, number(day, 1, 2)?, time)
}

/// Seconds since the Unix epoch for any of the three date formats HTTP allows, or `None` if `text` is none of
/// them or names an impossible or pre-1970 moment. The weekday must be a real name but need not match the date.
pub fn parse_http_date(text: &str) -> Option<u64> {
    // Seven words is more than any format has; stopping there keeps a hostile header from costing more.
    let mut words = [""; 7];
    let mut count = 0usize;
    for word in text.split_ascii_whitespace() {
        *words.get_mut(count)? = word;
        count = count.checked_add(1)?;
    }
    let words = words.get(..count)?;
    match words.first()? {
        first if first.ends_with(',') && first.len() == 4 => imf_fixdate(words),
        first if first.ends_with(',') => rfc850(words),
        _ => asctime(words),
    }
}

/// A `Retry-After` value: a delay, or the moment (Unix epoch seconds) after which to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    At(u64),
}

/// Reads a `Retry-After` value: ASCII digits are a delay in seconds (saturating at `u64::MAX`), anything else must
/// be an HTTP-date. Negative, fractional and empty values give `None`.
pub fn parse_retry_after(text: &str) -> Option<RetryAfter> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds =
            text.bytes().fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b.saturating_sub(b'0'))));
        return Some(RetryAfter::Seconds(seconds));
    }
    parse_http_date(text).map(RetryAfter::At)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_EXAMPLE: u64 = 784_111_777;

    #[test]
    fn rfc_examples_agree() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(RFC_EXAMPLE));
    }

    #[test]
    fn leniency() {
        assert_eq!(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\r\n"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("sun, 06 nov 1994 08:49:37 gmt"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("SUNDAY, 06-NOV-94 08:49:37 GMT"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("Sun Nov 06 08:49:37 1994"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), Some(RFC_EXAMPLE));
        assert_eq!(parse_http_date("Sunday, 06-Nov-1994 08:49:37 GMT"), Some(RFC_EXAMPLE));
        // The weekday is not checked against the date.
        assert_eq!(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), Some(RFC_EXAMPLE));
    }

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:01 GMT"), Some(1));
        assert_eq!(parse_http_date("Sat, 01 Jan 2000 00:00:00 GMT"), Some(946_684_800));
        assert_eq!(parse_http_date("Tue, 19 Jan 2038 03:14:07 GMT"), Some(2_147_483_647));
        assert_eq!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), Some(253_402_300_799));
        assert_eq!(parse_http_date("Sun, 01 Mar 2100 00:00:00 GMT"), Some(4_107_542_400));
    }

    #[test]
    fn leap_years() {
        assert_eq!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), Some(1_709_164_800));
        assert_eq!(parse_http_date("Wed, 01 Mar 2024 00:00:00 GMT"), Some(1_709_251_200));
        assert_eq!(parse_http_date("Wed, 29 Feb 2023 00:00:00 GMT"), None);
        assert_eq!(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"), Some(951_782_400));
        assert_eq!(parse_http_date("Mon, 29 Feb 2100 00:00:00 GMT"), None);
        assert_eq!(parse_http_date("Thursday, 29-Feb-24 00:00:00 GMT"), Some(1_709_164_800));
        assert_eq!(parse_http_date("Thu Feb 29 00:00:00 2024"), Some(1_709_164_800));
    }

    #[test]
    fn leap_second_reads_as_59() {
        assert_eq!(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"), parse_http_date("Sat, 31 Dec 2016 23:59:59 GMT"));
        assert_eq!(parse_http_date("Sat, 31 Dec 2016 23:59:61 GMT"), None);
    }

    #[test]
    fn two_digit_years() {
        assert_eq!(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Friday, 31-Dec-99 00:00:00 GMT"), Some(946_598_400));
        assert_eq!(parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT"), Some(946_684_800));
        assert_eq!(parse_http_date("Friday, 31-Dec-69 00:00:00 GMT"), Some(3_155_673_600));
        assert_eq!(parse_http_date("Friday, 31-Dec-9 00:00:00 GMT"), None);
        assert_eq!(parse_http_date("Friday, 31-Dec-199 00:00:00 GMT"), None);
    }

    #[test]
    fn out_of_range_fields() {
        assert_eq!(parse_http_date("Sun, 32 Jan 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 00 Jan 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 31 Apr 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 25:00:00 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 24:00:00 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:60:00 GMT"), None);
        assert_eq!(parse_http_date("Wed, 31 Dec 1969 23:59:59 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 0000 08:49:37 GMT"), None);
    }

    #[test]
    fn malformed() {
        assert_eq!(parse_http_date(""), None);
        assert_eq!(parse_http_date("   "), None);
        assert_eq!(parse_http_date("garbage"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 November 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 +0000"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT extra"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 8:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37:00 GMT"), None);
        assert_eq!(parse_http_date("Sun, 006 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 -8:49:37 GMT"), None);
        assert_eq!(parse_http_date("Xyz, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94-1 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sunday Nov  6 08:49:37 1994"), None);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 94"), None);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994 GMT"), None);
        assert_eq!(parse_http_date("a b c d e f g h i j"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT ü"), None);
        assert_eq!(parse_http_date("ü, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date(","), None);
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("120"), Some(RetryAfter::Seconds(120)));
        assert_eq!(parse_retry_after(" 0 "), Some(RetryAfter::Seconds(0)));
        assert_eq!(parse_retry_after("007"), Some(RetryAfter::Seconds(7)));
        assert_eq!(parse_retry_after("18446744073709551615"), Some(RetryAfter::Seconds(u64::MAX)));
        assert_eq!(parse_retry_after("99999999999999999999999"), Some(RetryAfter::Seconds(u64::MAX)));
    }

    #[test]
    fn retry_after_date() {
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(RetryAfter::At(RFC_EXAMPLE)));
        assert_eq!(parse_retry_after(" Sun Nov  6 08:49:37 1994 "), Some(RetryAfter::At(RFC_EXAMPLE)));
    }

    #[test]
    fn retry_after_rejects() {
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after("+5"), None);
        assert_eq!(parse_retry_after("1 2"), None);
        assert_eq!(parse_retry_after("5s"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("   "), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("٣"), None);
    }
}
