//! Resource quantities and the effective requests of a pod, computed as Kubernetes does:
//! exact integer arithmetic, no floating point.
//!
//! Quantities follow `k8s.io/apimachinery/pkg/api/resource` (`ParseQuantity`): an
//! optional sign, digits with an optional fraction, then a suffix — decimal SI (`n`,
//! `u`, `m`, ``, `k`, `M`, `G`, `T`, `P`, `E`), binary SI (`Ki` … `Ei`) or a decimal
//! exponent (`e3`, `E-2`). Values are rounded up, as `MilliValue()` (cpu, in millicores)
//! and `Value()` (memory, in bytes) do.
//!
//! The effective request of a pod follows `resourcehelper.PodRequests`: the sum over the
//! app containers and the restartable init containers (sidecars, `restartPolicy:
//! Always`); the maximum of that and each init step (an ordinary init container plus the
//! sidecars started before it); the pod-level `spec.resources` where set; plus
//! `spec.overhead`. A container without a request for a resource gets its limit
//! (API defaulting).

use serde::{Deserialize, Serialize};
use std::fmt;

use super::Spanned;
use crate::source::Span;
use crate::yaml::{Document, NodeId};

/// A resource karplint computes with.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    pub const ALL: [Resource; 2] = [Resource::Cpu, Resource::Memory];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }

    fn index(self) -> usize {
        match self {
            Resource::Cpu => 0,
            Resource::Memory => 1,
        }
    }

    /// The base unit as a power of ten below the quantity's unit: millicores, bytes.
    fn scale(self) -> i64 {
        match self {
            Resource::Cpu => 3,
            Resource::Memory => 0,
        }
    }

    /// Parses a quantity of this resource into its base unit (millicores or bytes).
    pub fn parse(self, text: &str) -> Result<u128, QuantityError> {
        parse_quantity(text, self.scale())
    }

    /// An amount in the base unit, written as a quantity: `250m`, `2`, `64Mi`, `1G`, or
    /// plain bytes when no suffix divides it exactly.
    pub fn format(self, amount: u128) -> String {
        match self {
            Resource::Cpu if amount.is_multiple_of(1000) => (amount / 1000).to_string(),
            Resource::Cpu => format!("{amount}m"),
            Resource::Memory => {
                const UNITS: [(&str, u128); 10] = [
                    ("Ei", 1 << 60),
                    ("Pi", 1 << 50),
                    ("Ti", 1 << 40),
                    ("Gi", 1 << 30),
                    ("G", 1_000_000_000),
                    ("Mi", 1 << 20),
                    ("M", 1_000_000),
                    ("Ki", 1 << 10),
                    ("k", 1_000),
                    ("", 1),
                ];
                UNITS
                    .iter()
                    .find(|(_, unit)| amount != 0 && amount.is_multiple_of(*unit))
                    .map_or_else(
                        || amount.to_string(),
                        |(suffix, unit)| format!("{}{suffix}", amount / unit),
                    )
            }
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a quantity is not one the API server accepts (or not one karplint can count).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// Not `<number><suffix>`.
    Format,
    /// A suffix Kubernetes does not know (`K`, `Gb`, `mi`, …).
    Suffix,
    /// Requests and limits must not be negative.
    Negative,
    /// Beyond what any node has (more than 38 significant digits, or overflow).
    Range,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::Format => {
                "is not a Kubernetes quantity (a number with an optional suffix, such as 100m, \
                 0.5, 1Gi, 512Ki, 1G or 1e3)"
            }
            QuantityError::Suffix => {
                "has a suffix Kubernetes does not know (decimal: m, k, M, G, T, P, E; binary: \
                 Ki, Mi, Gi, Ti, Pi, Ei; exponent: e3)"
            }
            QuantityError::Negative => "is negative",
            QuantityError::Range => "is too large to be a real amount",
        })
    }
}

/// Parses a Kubernetes quantity into units of 10^-`scale` (rounded up), mirroring
/// `ParseQuantity`, including its leniencies: `1.` and `.5` are numbers, and a sign, a
/// `.` or a suffix alone (`-`, `Gi`) reads as zero.
pub fn parse_quantity(text: &str, scale: i64) -> Result<u128, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Format);
    }
    let bytes = text.as_bytes();
    let digits_from = |start: usize| {
        start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
    };
    let (negative, int_start) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let int_end = digits_from(int_start);
    let (frac_start, frac_end) = if bytes.get(int_end) == Some(&b'.') {
        (int_end + 1, digits_from(int_end + 1))
    } else {
        (int_end, int_end)
    };
    let suffix = &text[frac_end..];
    // The scanner's shape for a suffix: letters from `eEinumkKMGTP`, an optional sign,
    // digits, and nothing after.
    let letters = suffix
        .bytes()
        .take_while(|b| b"eEinumkKMGTP".contains(b))
        .count();
    let mut rest = &suffix[letters..];
    rest = rest.strip_prefix(['-', '+']).unwrap_or(rest);
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QuantityError::Format);
    }
    let (exp10, exp2) = interpret_suffix(suffix)?;

    // mantissa × 10^exp10 × 2^exp2, the mantissa without leading or trailing zeros.
    let integer = &text[int_start..int_end];
    let fraction = &text[frac_start..frac_end];
    let mut exp10 = exp10 - i64::try_from(fraction.len()).map_err(|_| QuantityError::Range)?;
    let all: String = integer.chars().chain(fraction.chars()).collect();
    let trimmed = all.trim_end_matches('0');
    exp10 += i64::try_from(all.len() - trimmed.len()).map_err(|_| QuantityError::Range)?;
    let significant = trimmed.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err(QuantityError::Negative);
    }
    if significant.len() > 38 {
        return Err(QuantityError::Range);
    }
    let mantissa: u128 = significant.parse().map_err(|_| QuantityError::Range)?;
    let shift = u32::try_from(exp2).map_err(|_| QuantityError::Range)?;
    if shift >= 128 || mantissa.leading_zeros() < shift {
        return Err(QuantityError::Range);
    }
    let value = mantissa << shift;
    let power = exp10.checked_add(scale).ok_or(QuantityError::Range)?;
    if power >= 0 {
        let power = u32::try_from(power).map_err(|_| QuantityError::Range)?;
        10u128
            .checked_pow(power)
            .and_then(|factor| value.checked_mul(factor))
            .ok_or(QuantityError::Range)
    } else {
        // Round up: a positive amount never becomes zero.
        match u32::try_from(-power)
            .ok()
            .and_then(|p| 10u128.checked_pow(p))
        {
            Some(divisor) => Ok(value.div_ceil(divisor)),
            None => Ok(1),
        }
    }
}

/// `(decimal exponent, binary exponent)` of a suffix.
fn interpret_suffix(suffix: &str) -> Result<(i64, i64), QuantityError> {
    Ok(match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => {
            let exponent = suffix
                .strip_prefix(['e', 'E'])
                .filter(|rest| !rest.is_empty())
                .ok_or(QuantityError::Suffix)?;
            // `strconv.ParseInt`, then an int32 exponent: anything larger is absurd.
            let exponent: i64 = exponent.parse().map_err(|_| QuantityError::Suffix)?;
            if exponent.abs() > i64::from(i32::MAX) {
                return Err(QuantityError::Range);
            }
            (exponent, 0)
        }
    })
}

/// A quantity as written, with what it parses to.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    pub text: String,
    pub span: Span,
    /// The amount in the resource's base unit (millicores, bytes).
    pub amount: Result<u128, QuantityError>,
}

/// The cpu and memory entries of a resource list (`requests`, `limits`, `overhead`).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceList {
    /// The list's key (`requests:`), when present.
    pub key: Option<Span>,
    /// By [`Resource::index`]; boxed, and `None` without either: most lists of a
    /// DaemonSet (every pod's `overhead` and pod-level `resources`, most `limits`) are
    /// absent or empty, and a DaemonSet's facts are kept until the run is indexed.
    values: Option<Box<[Option<Quantity>; 2]>>,
}

impl ResourceList {
    fn read(doc: &Document<'_>, map: NodeId, key: &str) -> ResourceList {
        let Some(entry) = doc.get(map, key) else {
            return ResourceList::default();
        };
        let mut values: [Option<Quantity>; 2] = Default::default();
        for resource in Resource::ALL {
            values[resource.index()] = doc.value(entry.value, resource.as_str()).map(|v| {
                let text = doc.scalar(v).unwrap_or_default().to_string();
                Quantity {
                    amount: if doc.is_null(v) || doc.scalar(v).is_none() {
                        Err(QuantityError::Format)
                    } else {
                        resource.parse(&text)
                    },
                    text,
                    span: doc.span(v),
                }
            });
        }
        ResourceList {
            key: Some(doc.span(entry.key)),
            values: values.iter().any(Option::is_some).then(|| Box::new(values)),
        }
    }

    pub fn get(&self, resource: Resource) -> Option<&Quantity> {
        self.values.as_ref()?[resource.index()].as_ref()
    }

    /// The amount, if the entry is present and valid.
    pub fn amount(&self, resource: Resource) -> Option<u128> {
        self.get(resource).and_then(|q| q.amount.ok())
    }

    /// Every entry that does not parse.
    pub fn invalid(&self) -> impl Iterator<Item = (Resource, &Quantity)> {
        Resource::ALL
            .into_iter()
            .filter_map(|r| Some((r, self.get(r)?)))
            .filter(|(_, q)| q.amount.is_err())
    }
}

/// `resources:` of a container, or `spec.resources` of a pod.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceRequirements {
    /// The `resources:` key, when present.
    pub key: Option<Span>,
    pub requests: ResourceList,
    pub limits: ResourceList,
}

impl ResourceRequirements {
    fn read(doc: &Document<'_>, map: NodeId) -> ResourceRequirements {
        let Some(entry) = doc.get(map, "resources") else {
            return ResourceRequirements::default();
        };
        ResourceRequirements {
            key: Some(doc.span(entry.key)),
            requests: ResourceList::read(doc, entry.value, "requests"),
            limits: ResourceList::read(doc, entry.value, "limits"),
        }
    }

    /// The request Kubernetes gives: the request if valid, else the limit if valid (API
    /// defaulting copies a limit into a missing request). With the entry it came from.
    pub fn request(&self, resource: Resource) -> Option<(u128, &Quantity)> {
        let list = match self.requests.get(resource) {
            Some(_) => &self.requests,
            None => &self.limits,
        };
        let quantity = list.get(resource)?;
        Some((quantity.amount.ok()?, quantity))
    }

    /// Whether a request or a limit is written for `resource`, valid or not.
    pub fn sets(&self, resource: Resource) -> bool {
        self.requests.get(resource).is_some() || self.limits.get(resource).is_some()
    }
}

/// What kind of container a container is, for the effective-request formula.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers` entry without `restartPolicy: Always`: runs to completion first.
    Init,
    /// `initContainers` entry with `restartPolicy: Always`: a sidecar that keeps running.
    Sidecar,
    /// `containers` entry.
    App,
}

/// One container's resources.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ContainerResources {
    pub name: Option<Spanned<String>>,
    /// The container's list item.
    pub span: Span,
    pub kind: ContainerKind,
    pub resources: ResourceRequirements,
}

impl ContainerResources {
    /// `name` for messages (`#2` for an unnamed one).
    pub fn display_name(&self, position: usize) -> String {
        self.name
            .as_ref()
            .map_or_else(|| format!("#{}", position + 1), |n| n.value.clone())
    }

    /// Where a finding about something missing in this container points: the innermost
    /// mapping that exists on the way to `resources.requests` (its key), else the
    /// container's `name` value, else the list item.
    pub fn missing_anchor(&self) -> Span {
        self.resources
            .requests
            .key
            .or(self.resources.key)
            .or(self.name.as_ref().map(|n| n.span))
            .unwrap_or(self.span)
    }
}

/// The resources of a pod template.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct PodResources {
    /// The init containers in order, then the app containers.
    pub containers: Vec<ContainerResources>,
    /// Pod-level `spec.resources`.
    pub pod: ResourceRequirements,
    /// `spec.overhead`.
    pub overhead: ResourceList,
}

/// How a pod's effective request for one resource came about.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveRequest {
    /// What the scheduler and Karpenter reserve for the pod.
    pub amount: u128,
    /// The sum over app containers and sidecars.
    pub running: u128,
    /// The largest init step and its init container (an index into `containers`), when
    /// it exceeds `running` and the pod level does not decide.
    pub init: Option<(usize, u128)>,
    /// Set at the pod level (`spec.resources`).
    pub pod_level: bool,
    pub overhead: u128,
}

impl PodResources {
    pub(crate) fn read(doc: &Document<'_>, pod_spec: NodeId) -> PodResources {
        let mut containers = Vec::new();
        for (key, default_kind) in [
            ("initContainers", ContainerKind::Init),
            ("containers", ContainerKind::App),
        ] {
            let Some(list) = doc.value(pod_spec, key) else {
                continue;
            };
            for item in doc.items(list) {
                let item = doc.resolve(*item);
                if !doc.is_mapping(item) {
                    continue;
                }
                let restart_always = doc
                    .value(item, "restartPolicy")
                    .and_then(|p| doc.str(p))
                    .is_some_and(|p| p == "Always");
                let kind = match default_kind {
                    ContainerKind::Init if restart_always => ContainerKind::Sidecar,
                    kind => kind,
                };
                containers.push(ContainerResources {
                    name: doc
                        .value(item, "name")
                        .and_then(|n| super::spanned_str(doc, n)),
                    span: doc.span(item),
                    kind,
                    resources: ResourceRequirements::read(doc, item),
                });
            }
        }
        PodResources {
            containers: super::exact(containers),
            pod: ResourceRequirements::read(doc, pod_spec),
            overhead: ResourceList::read(doc, pod_spec, "overhead"),
        }
    }

    /// The pod's effective request for `resource` (invalid quantities count as absent).
    pub fn effective(&self, resource: Resource) -> EffectiveRequest {
        let request = |c: &ContainerResources| c.resources.request(resource).map_or(0, |(a, _)| a);
        let mut running: u128 = 0;
        let mut sidecars: u128 = 0;
        let mut init: Option<(usize, u128)> = None;
        for (i, container) in self.containers.iter().enumerate() {
            let amount = request(container);
            match container.kind {
                ContainerKind::App => running = running.saturating_add(amount),
                ContainerKind::Sidecar => {
                    // A sidecar keeps running: it adds to the pod and to every later step.
                    running = running.saturating_add(amount);
                    sidecars = sidecars.saturating_add(amount);
                }
                ContainerKind::Init => {
                    let step = amount.saturating_add(sidecars);
                    if init.is_none_or(|(_, top)| step > top) {
                        init = Some((i, step));
                    }
                }
            }
        }
        // A sidecar's own step (the sidecars so far) never exceeds `running`.
        let init = init.filter(|(_, step)| *step > running);
        let pod_level = self.pod.request(resource).map(|(amount, _)| amount);
        let overhead = self.overhead.amount(resource).unwrap_or(0);
        let base = pod_level.unwrap_or_else(|| init.map_or(running, |(_, step)| step));
        EffectiveRequest {
            amount: base.saturating_add(overhead),
            running,
            init: if pod_level.is_some() { None } else { init },
            pod_level: pod_level.is_some(),
            overhead,
        }
    }

    /// Every invalid quantity in the pod's resources, with the resource it is for.
    pub fn invalid_quantities(&self) -> Vec<(Resource, &Quantity)> {
        let mut found: Vec<(Resource, &Quantity)> = self
            .containers
            .iter()
            .map(|c| &c.resources)
            .chain([&self.pod])
            .flat_map(|r| r.requests.invalid().chain(r.limits.invalid()))
            .chain(self.overhead.invalid())
            .collect();
        found.sort_by_key(|(_, q)| q.span.start.byte);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::DocumentStream;

    fn cpu(text: &str) -> Result<u128, QuantityError> {
        Resource::Cpu.parse(text)
    }

    fn memory(text: &str) -> Result<u128, QuantityError> {
        Resource::Memory.parse(text)
    }

    #[test]
    fn cpu_quantities_in_millicores() {
        assert_eq!(cpu("100m"), Ok(100));
        assert_eq!(cpu("0.5"), Ok(500));
        assert_eq!(cpu(".5"), Ok(500));
        assert_eq!(cpu("1."), Ok(1000));
        assert_eq!(cpu("1"), Ok(1000));
        assert_eq!(cpu("2.25"), Ok(2250));
        assert_eq!(cpu("+1"), Ok(1000));
        assert_eq!(cpu("1e3"), Ok(1_000_000));
        assert_eq!(cpu("1E3"), Ok(1_000_000));
        assert_eq!(cpu("5e-1"), Ok(500));
        assert_eq!(cpu("1e+2"), Ok(100_000));
        assert_eq!(cpu("1k"), Ok(1_000_000));
        // Rounded up, as MilliValue() does: a request never becomes zero.
        assert_eq!(cpu("0.0001"), Ok(1));
        assert_eq!(cpu("1500u"), Ok(2));
        assert_eq!(cpu("1n"), Ok(1));
        assert_eq!(cpu("100.000m"), Ok(100));
        assert_eq!(cpu("000250m"), Ok(250));
    }

    #[test]
    fn memory_quantities_in_bytes() {
        assert_eq!(memory("1Gi"), Ok(1 << 30));
        assert_eq!(memory("1G"), Ok(1_000_000_000));
        assert_eq!(memory("512Ki"), Ok(512 * 1024));
        assert_eq!(memory("1.5Gi"), Ok(1_610_612_736));
        assert_eq!(memory("64Mi"), Ok(64 << 20));
        assert_eq!(memory("128974848"), Ok(128_974_848));
        assert_eq!(memory("129e6"), Ok(129_000_000));
        assert_eq!(memory("123Mi"), Ok(123 << 20));
        assert_eq!(memory("1Ei"), Ok(1 << 60));
        // A fraction of a byte rounds up, as Value() does.
        assert_eq!(memory("100m"), Ok(1));
        assert_eq!(memory("0.1Ki"), Ok(103));
    }

    #[test]
    fn kubernetes_leniencies_read_as_zero() {
        for text in ["0", "-0", "+", "-", ".", "Gi", "0.000", "0Mi", "0e9"] {
            assert_eq!(memory(text), Ok(0), "{text}");
        }
    }

    #[test]
    fn malformed_quantities_are_errors_not_panics() {
        for text in [
            "", "abc", "1.2.3", "1 Gi", " 1", "1Gi ", "1e1.5", "0x10", "1Gi1x", "1Gb", "1KB", "1iB",
        ] {
            assert_eq!(memory(text), Err(QuantityError::Format), "{text}");
        }
        // Upper-case `K` is the classic mistake: Kubernetes has `k` and `Ki` only.
        for text in ["1K", "1e", "1mi", "1ki", "1Mm", "1Kii"] {
            assert_eq!(memory(text), Err(QuantityError::Suffix), "{text}");
        }
        assert_eq!(cpu("-100m"), Err(QuantityError::Negative));
        assert_eq!(memory("1e40"), Err(QuantityError::Range));
        assert_eq!(
            memory("9999999999999999999999999999999999999999"),
            Err(QuantityError::Range)
        );
        assert_eq!(memory("1e99999999999"), Err(QuantityError::Range));
        assert_eq!(memory("1e-99999"), Ok(1));
        assert_eq!(cpu("1e-2147483647"), Ok(1));
        assert_eq!(memory("99999999Ei"), Ok(99_999_999u128 << 60));
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_without_panicking(text in "\\PC{0,24}") {
            let _ = cpu(&text);
            let _ = memory(&text);
        }

        #[test]
        fn decimal_and_binary_forms_agree(n in 0u64..1_000_000, frac in 0u32..1000) {
            // `n.fracGi` is exactly (n * 1000 + frac) * 2^30 / 1000 bytes, rounded up.
            let text = format!("{n}.{frac:03}Gi");
            let exact = (u128::from(n) * 1000 + u128::from(frac)) << 30;
            proptest::prop_assert_eq!(memory(&text), Ok(exact.div_ceil(1000)));
            // Millicores of `n.frac` cores, and the same as an exponent form.
            proptest::prop_assert_eq!(cpu(&format!("{n}.{frac:03}")), Ok(u128::from(n) * 1000 + u128::from(frac)));
            proptest::prop_assert_eq!(cpu(&format!("{n}{frac:03}e-3")), cpu(&format!("{n}.{frac:03}")));
            // Writing an amount back gives a quantity that parses to it.
            let amount = u128::from(n) * 1000 + u128::from(frac);
            proptest::prop_assert_eq!(cpu(&Resource::Cpu.format(amount)), Ok(amount));
            proptest::prop_assert_eq!(memory(&Resource::Memory.format(amount)), Ok(amount));
        }
    }

    #[test]
    fn amounts_are_written_as_quantities() {
        assert_eq!(Resource::Cpu.format(250), "250m");
        assert_eq!(Resource::Cpu.format(2000), "2");
        assert_eq!(Resource::Cpu.format(0), "0");
        assert_eq!(Resource::Memory.format(64 << 20), "64Mi");
        assert_eq!(Resource::Memory.format(1_000_000_000), "1G");
        assert_eq!(Resource::Memory.format(1536 << 20), "1536Mi");
        assert_eq!(Resource::Memory.format(0), "0");
        assert_eq!(Resource::Memory.format(1001), "1001");
    }

    #[test]
    fn an_absent_resource_list_takes_its_key_and_a_pointer() {
        // The quantities inline took 192 bytes in every list, absent or not.
        assert!(size_of::<ResourceList>() <= size_of::<(Option<Span>, Box<u8>)>());
        let empty = pod("containers: [{resources: {requests: {}, limits: {x: 1}}}]");
        let resources = &empty.containers[0].resources;
        assert!(resources.requests.key.is_some() && resources.limits.key.is_some());
        assert_eq!(
            resources.requests,
            ResourceList {
                key: resources.requests.key,
                values: None
            }
        );
        assert_eq!(resources.limits.values, None);
    }

    fn pod(spec: &str) -> PodResources {
        let mut stream = DocumentStream::new(spec, crate::source::FileId::default());
        let doc = stream.next().and_then(Result::ok).expect("a document");
        let root = doc.root().expect("a root");
        PodResources::read(&doc, root)
    }

    fn effective(spec: &str, resource: Resource) -> EffectiveRequest {
        pod(spec).effective(resource)
    }

    #[test]
    fn containers_add_up_and_limits_stand_in_for_requests() {
        let spec = "containers:\n\
            - {name: a, resources: {requests: {cpu: 100m, memory: 64Mi}}}\n\
            - {name: b, resources: {limits: {cpu: 200m, memory: 32Mi}}}\n\
            - {name: c, resources: {requests: {cpu: 50m}, limits: {cpu: 1, memory: 16Mi}}}\n\
            - {name: d}\n";
        assert_eq!(effective(spec, Resource::Cpu).amount, 350);
        assert_eq!(
            effective(spec, Resource::Memory).amount,
            (64 + 32 + 16) << 20
        );
    }

    #[test]
    fn init_containers_take_the_maximum() {
        let spec = "initContainers:\n\
            - {name: small, resources: {requests: {cpu: 50m}}}\n\
            - {name: big, resources: {requests: {cpu: '1', memory: 1Gi}}}\n\
            containers:\n\
            - {name: app, resources: {requests: {cpu: 100m, memory: 512Mi}}}\n";
        let cpu = effective(spec, Resource::Cpu);
        assert_eq!(
            (cpu.amount, cpu.running, cpu.init),
            (1000, 100, Some((1, 1000)))
        );
        let memory = effective(spec, Resource::Memory);
        assert_eq!(memory.amount, 1 << 30);
        // An init container below the running sum changes nothing.
        let small = "initContainers: [{resources: {requests: {cpu: 10m}}}]\n\
            containers: [{resources: {requests: {cpu: 100m}}}]\n";
        let cpu = effective(small, Resource::Cpu);
        assert_eq!((cpu.amount, cpu.init), (100, None));
        // A tie: the running containers decide.
        let tie = "initContainers: [{resources: {requests: {cpu: 100m}}}]\n\
            containers: [{resources: {requests: {cpu: 100m}}}]\n";
        assert_eq!(effective(tie, Resource::Cpu).init, None);
    }

    #[test]
    fn sidecars_add_to_the_sum_and_to_every_later_init_step() {
        // Kubernetes' own example (KEP-753): sidecar 50m, then init 100m, then app 100m.
        let spec = "initContainers:\n\
            - {name: before, resources: {requests: {cpu: 120m}}}\n\
            - {name: proxy, restartPolicy: Always, resources: {requests: {cpu: 50m}}}\n\
            - {name: after, resources: {requests: {cpu: 100m}}}\n\
            containers:\n\
            - {name: app, resources: {requests: {cpu: 90m}}}\n";
        let cpu = effective(spec, Resource::Cpu);
        // running = 90 + 50; steps: before 120, after 100 + 50 = 150.
        assert_eq!(cpu.running, 140);
        assert_eq!(cpu.init, Some((2, 150)));
        assert_eq!(cpu.amount, 150);
        // The step before the sidecar does not include it.
        let early = spec.replace("cpu: 120m", "cpu: 145m");
        assert_eq!(effective(&early, Resource::Cpu).init, Some((2, 150)));
        let earlier = spec.replace("cpu: 120m", "cpu: 151m");
        assert_eq!(effective(&earlier, Resource::Cpu).init, Some((0, 151)));
        // Sidecars alone never dominate.
        let only = "initContainers: [{restartPolicy: Always, resources: {requests: {cpu: 1}}}]\n";
        let cpu = effective(only, Resource::Cpu);
        assert_eq!((cpu.amount, cpu.init), (1000, None));
        // `restartPolicy` other than Always is an ordinary init container.
        let never = "initContainers: [{restartPolicy: Never, resources: {requests: {cpu: 1}}}]\n";
        assert_eq!(effective(never, Resource::Cpu).init, Some((0, 1000)));
    }

    #[test]
    fn pod_level_resources_and_overhead() {
        let spec = "resources: {requests: {cpu: 300m}, limits: {memory: 1Gi}}\n\
            overhead: {cpu: 250m, memory: 120Mi}\n\
            initContainers: [{resources: {requests: {cpu: '2'}}}]\n\
            containers: [{resources: {requests: {cpu: 100m, memory: 64Mi}}}]\n";
        let cpu = effective(spec, Resource::Cpu);
        assert_eq!((cpu.amount, cpu.pod_level, cpu.init), (550, true, None));
        // A pod-level limit stands in for the pod-level request, like a container's.
        let memory = effective(spec, Resource::Memory);
        assert_eq!(memory.amount, (1 << 30) + (120 << 20));
        let plain = "overhead: {cpu: 250m}\ncontainers: [{resources: {requests: {cpu: 100m}}}]\n";
        assert_eq!(effective(plain, Resource::Cpu).amount, 350);
    }

    #[test]
    fn invalid_quantities_are_found_and_count_as_absent() {
        let spec = "containers:\n\
            - {name: a, resources: {requests: {cpu: 1K, memory: 64Mi}, limits: {cpu: 200m}}}\n\
            - {name: b, resources: {requests: {cpu: 100m, memory: ~}}}\n";
        let resources = pod(spec);
        let invalid: Vec<(Resource, &str)> = resources
            .invalid_quantities()
            .into_iter()
            .map(|(r, q)| (r, q.text.as_str()))
            .collect();
        assert_eq!(invalid, [(Resource::Cpu, "1K"), (Resource::Memory, "~")]);
        // An invalid request does not fall back to the limit: the API server rejects it.
        assert_eq!(resources.effective(Resource::Cpu).amount, 100);
        assert_eq!(resources.effective(Resource::Memory).amount, 64 << 20);
    }

    #[test]
    fn anchors_for_missing_requests() {
        let spec = "containers:\n\
            - {name: a, resources: {requests: {cpu: 1}}}\n\
            - {name: b, resources: {limits: {cpu: 1}}}\n\
            - {name: c}\n\
            - {image: x}\n";
        let resources = pod(spec);
        let cols: Vec<u32> = resources
            .containers
            .iter()
            .map(|c| c.missing_anchor().start.col)
            .collect();
        // `requests:` key, `resources:` key, the name value, the item.
        assert_eq!(cols, [25, 13, 10, 3]);
        assert_eq!(resources.containers[3].display_name(3), "#4");
    }
}
