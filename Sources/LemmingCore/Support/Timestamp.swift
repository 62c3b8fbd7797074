import Foundation

/// ISO 8601 timestamps in UTC with milliseconds: `2026-11-21T10:00:00.000Z`.
public enum Timestamp {
    /// Formats `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func format(_ date: Date) -> String {
        // Whole microseconds first: `Date` counts from 2001, so a whole millisecond since 1970 can
        // come out a hair below itself, and flooring that would print the previous millisecond.
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded()).floorDivided(by: 1000)
        var seconds = totalMilliseconds.floorDivided(by: 1000)
        let milliseconds = Int(totalMilliseconds - seconds * 1000)
        let days = seconds.floorDivided(by: 86_400)
        seconds -= days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendDigits(year, width: 4, to: &bytes)
        bytes.append(0x2D)
        appendDigits(month, width: 2, to: &bytes)
        bytes.append(0x2D)
        appendDigits(day, width: 2, to: &bytes)
        bytes.append(0x54)
        appendDigits(Int(seconds / 3600), width: 2, to: &bytes)
        bytes.append(0x3A)
        appendDigits(Int(seconds % 3600 / 60), width: 2, to: &bytes)
        bytes.append(0x3A)
        appendDigits(Int(seconds % 60), width: 2, to: &bytes)
        bytes.append(0x2E)
        appendDigits(milliseconds, width: 3, to: &bytes)
        bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` in decimal, zero-padded to `width` (negative years keep their sign).
    private static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(0x2D) }
        var digits: [UInt8] = []
        var remaining = value.magnitude
        repeat {
            digits.append(UInt8(0x30 + remaining % 10))
            remaining /= 10
        } while remaining > 0
        if digits.count < width { bytes.append(contentsOf: repeatElement(0x30, count: width - digits.count)) }
        bytes.append(contentsOf: digits.reversed())
    }

    /// Parses an ISO 8601 time with or without fractional seconds (`Z` or an offset).
    public static func parse(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
