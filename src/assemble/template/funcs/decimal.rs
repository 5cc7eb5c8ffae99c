//! sprig's float arithmetic (`addf`, `add1f`, `subf`, `mulf`, `divf`): each operand is
//! turned into the decimal its shortest float64 text writes (shopspring/decimal's
//! `NewFromFloat`), the operation is exact (a division is rounded half away from zero to
//! 16 places), and the result is the float64 nearest to it. So `mulf 0.1 3` is 0.3, not
//! float64's 0.30000000000000004.

use num_bigint::BigInt;

/// `coefficient × 10^exponent`, as shopspring/decimal's (a big integer).
#[derive(Clone, Debug, PartialEq)]
struct Decimal {
    coefficient: BigInt,
    exponent: i64,
}

/// Places a quotient is rounded to (shopspring/decimal's `DivisionPrecision`).
const DIVISION_PLACES: i64 = 16;

/// Significant digits a result keeps ([`Decimal::bounded`]): the span from float64's
/// greatest to its least, and its own digits.
const KEPT_DIGITS: i64 = 800;

/// `10^n`. The callers' `n` is never negative and at most about 2,000 (float64's
/// exponents and [`KEPT_DIGITS`]); clamped all the same, so that a mistake cannot ask for
/// a number of billions of digits.
fn power_of_ten(n: i64) -> BigInt {
    BigInt::from(10u8).pow(n.clamp(0, 4 * KEPT_DIGITS) as u32)
}

impl Decimal {
    /// The decimal `value`'s shortest text writes; `None` for an infinity or NaN.
    fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // `{:e}` is the shortest text that reads back as `value`: `-1.25e-3`.
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e')?;
        let exponent: i64 = exponent.parse().ok()?;
        let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i64);
        Some(Decimal {
            coefficient: mantissa.replace('.', "").parse().ok()?,
            exponent: exponent - fraction,
        })
    }

    /// The decimal rounded half away from zero to about [`KEPT_DIGITS`] significant digits:
    /// what a long chain of products holds stays small. A sum or product of two float64s
    /// is exact within them, so this differs from shopspring (exact always) only past that.
    fn bounded(self) -> Decimal {
        // An upper estimate, from the bits: the bound is a size, not a precision.
        let digits = (self.coefficient.bits() as f64 * std::f64::consts::LOG10_2) as i64 + 1;
        if digits <= KEPT_DIGITS {
            return self;
        }
        let dropped = digits - KEPT_DIGITS;
        Decimal {
            coefficient: rounded_quotient(&self.coefficient, &power_of_ten(dropped)),
            exponent: self.exponent + dropped,
        }
    }

    /// The float64 nearest to the decimal (Go's `ParseFloat` of its text, as Rust's).
    fn to_f64(&self) -> f64 {
        format!("{}e{}", self.coefficient, self.exponent)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The coefficient at `exponent`, no greater than its own.
    fn scaled_to(&self, exponent: i64) -> BigInt {
        &self.coefficient * power_of_ten(self.exponent - exponent)
    }

    fn add(&self, other: &Decimal) -> Decimal {
        let exponent = self.exponent.min(other.exponent);
        Decimal {
            coefficient: self.scaled_to(exponent) + other.scaled_to(exponent),
            exponent,
        }
    }

    fn negated(&self) -> Decimal {
        Decimal {
            coefficient: -&self.coefficient,
            exponent: self.exponent,
        }
    }

    fn mul(&self, other: &Decimal) -> Decimal {
        Decimal {
            coefficient: &self.coefficient * &other.coefficient,
            exponent: self.exponent + other.exponent,
        }
    }

    /// The quotient rounded half away from zero to [`DIVISION_PLACES`]; `None` for a zero
    /// divisor.
    fn div(&self, other: &Decimal) -> Option<Decimal> {
        if other.coefficient == BigInt::ZERO {
            return None;
        }
        // self / other = (a / b) × 10^(ea − eb); wanted: its multiple of 10^−16.
        let shift = self.exponent - other.exponent + DIVISION_PLACES;
        let (numerator, denominator) = if shift >= 0 {
            (
                &self.coefficient * power_of_ten(shift),
                other.coefficient.clone(),
            )
        } else {
            (
                self.coefficient.clone(),
                &other.coefficient * power_of_ten(-shift),
            )
        };
        Some(Decimal {
            coefficient: rounded_quotient(&numerator, &denominator),
            exponent: -DIVISION_PLACES,
        })
    }
}

/// `numerator / denominator` rounded half away from zero.
fn rounded_quotient(numerator: &BigInt, denominator: &BigInt) -> BigInt {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.magnitude() * 2u8 < *denominator.magnitude() {
        return quotient;
    }
    if (*numerator < BigInt::ZERO) != (*denominator < BigInt::ZERO) {
        quotient - 1
    } else {
        quotient + 1
    }
}

/// The operations, by sprig's names.
#[derive(Clone, Copy)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// `first` then each of `rest` by `op`, as sprig's `execDecimalOp`, and the float64 nearest
/// to the result; `None` when a divisor is zero (Helm: "decimal division by 0").
/// An operand that is no number (an infinity) makes the result float64's.
pub fn fold(op: Op, first: f64, rest: &[f64]) -> Option<f64> {
    // The exact value while there is one; the float64 one once an operand is no number.
    let mut exact = Decimal::from_f64(first);
    let mut value = first;
    for &b in rest {
        if matches!(op, Op::Div) && b == 0.0 {
            return None;
        }
        let next = exact
            .as_ref()
            .zip(Decimal::from_f64(b))
            .and_then(|(a, d)| match op {
                Op::Add => Some(a.add(&d)),
                Op::Sub => Some(a.add(&d.negated())),
                Op::Mul => Some(a.mul(&d)),
                Op::Div => a.div(&d),
            });
        if next.is_none() {
            if let Some(a) = &exact {
                value = a.to_f64();
            }
            value = match op {
                Op::Add => value + b,
                Op::Sub => value - b,
                Op::Mul => value * b,
                Op::Div => value / b,
            };
        }
        exact = next.map(Decimal::bounded);
    }
    Some(exact.map_or(value, |d| d.to_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_back_as_their_floats() {
        for value in [
            0.1,
            1.5,
            -3.3e-8,
            1e300,
            1.7976931348623157e308,
            5e-324,
            123456.789,
        ] {
            let decimal = Decimal::from_f64(value).unwrap();
            assert_eq!(decimal.to_f64(), value, "{value}: {decimal:?}");
        }
        assert_eq!(
            Decimal::from_f64(-1.25e-3),
            Some(Decimal {
                coefficient: BigInt::from(-125),
                exponent: -5
            })
        );
    }
}
