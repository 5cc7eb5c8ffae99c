//! `helmCharts`: each chart inflated by karplint's chart renderer the way kustomize's
//! HelmChartInflationGenerator runs `helm template` (kustomize v5.5): the chart at
//! `{chartHome}/{name}` (`{chartHome}/{name}-{version}/{name}` when `version` and `repo`
//! are set; `chartHome` defaults to `charts` beside the kustomization), `valuesFile` and
//! `additionalValuesFiles` as `-f` files, `valuesInline` merged as `valuesMerge` says,
//! `releaseName`, `namespace`, `includeCRDs`, `kubeVersion`, `apiVersions`. Charts are
//! never pulled: one missing is a problem at its entry. The rendered objects keep the
//! template and values positions (inline values: their line in the kustomization).

use std::path::{Path, PathBuf};

use super::resource::{Res, scalar_text};
use super::{Builder, Kust, read};
use crate::assemble::chart::{self, ChartOptions, InlineValues};
use crate::source::{FileId, Span};
use crate::yaml::{Data, Value};

impl Builder<'_> {
    /// Renders the `helmCharts` of `kust` into `resources`.
    pub(super) fn inflate_charts(&mut self, kust: &Kust, resources: &mut Vec<Res>) {
        let home = kust
            .get("helmGlobals")
            .and_then(Value::as_map)
            .and_then(|globals| globals.get("chartHome"))
            .and_then(scalar_text)
            .unwrap_or_else(|| "charts".to_string());
        let home = read::normalize(&kust.dir.join(home));
        for entry in kust.items("helmCharts") {
            let span = kust.span_of(Some(entry));
            if entry.as_map().is_none() {
                self.error(span, "a helmCharts entry must be a mapping".to_string());
                continue;
            }
            self.charts_rendered += 1;
            if self.charts_rendered > super::MAX_CHART_RENDERS {
                self.error(
                    span,
                    format!(
                        "the build renders more than {} charts; this one and the rest are not rendered",
                        super::MAX_CHART_RENDERS
                    ),
                );
                return;
            }
            if let Some((chart_dir, options)) = self.chart_options(kust, entry, &home, span) {
                self.inflate(&chart_dir, &options, span, resources);
            }
        }
    }

    /// Where the chart of `entry` is and how to render it; None (a problem at `span`) when
    /// it cannot be.
    fn chart_options(
        &mut self,
        kust: &Kust,
        entry: &Value,
        home: &Path,
        span: Span,
    ) -> Option<(PathBuf, ChartOptions)> {
        let field = |key: &str| entry.as_map().and_then(|map| map.get(key));
        let text = |key: &str| field(key).and_then(scalar_text);
        let Some(name) = text("name").filter(|name| !name.is_empty()) else {
            self.error(span, "a helmCharts entry needs a chart name".to_string());
            return None;
        };
        let home = match (text("version"), text("repo")) {
            (Some(version), Some(_)) => home.join(format!("{name}-{version}")),
            _ => home.to_path_buf(),
        };
        let chart_dir = home.join(&name);
        if !crate::assemble::looked::is_dir_by(&self.parsed.resolver, &chart_dir) {
            let shown = crate::source::display_path(&chart_dir);
            let why = match text("repo") {
                Some(repo) => format!(
                    "chart {name} is not at {shown}: kustomize would pull it from {repo}, \
                     karplint fetches nothing (`kustomize build --enable-helm` once pulls it)"
                ),
                None => format!("chart {name} is not at {shown} and no repo is given"),
            };
            self.error(span, why);
            return None;
        }
        let additional: Vec<PathBuf> = field("additionalValuesFiles")
            .and_then(Value::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(scalar_text)
            .map(|file| kust.dir.join(file))
            .collect();
        let values_file = text("valuesFile").map(|file| kust.dir.join(file));
        let inline = field("valuesInline")
            .and_then(Value::as_map)
            .filter(|values| !values.is_empty())
            .cloned();
        let merge = text("valuesMerge").unwrap_or_else(|| "override".to_string());
        if !["merge", "override", "replace"].contains(&merge.as_str()) {
            self.error(
                span,
                format!("valuesMerge `{merge}` is not one of merge, override, replace"),
            );
            return None;
        }
        // As kustomize writes one values file of the file and the inline values, then
        // passes the additional files after it.
        let (first, after_files): (Vec<PathBuf>, usize) = match (inline.is_some(), &*merge) {
            (false, _) | (true, "override") => {
                let count = usize::from(values_file.is_some());
                (values_file.into_iter().collect(), count)
            }
            // The values file wins over the inline values.
            (true, "merge") => (
                vec![values_file.unwrap_or_else(|| chart_dir.join("values.yaml"))],
                0,
            ),
            // replace
            (true, _) => (Vec::new(), 0),
        };
        let values_files: Vec<PathBuf> = first.into_iter().chain(additional).collect();
        for path in std::iter::once(&chart_dir).chain(&values_files) {
            self.admit(path, span)?;
        }
        let options = ChartOptions {
            // kustomize passes `--generate-name` (a random name) without one; a fixed name
            // keeps findings stable.
            release_name: text("releaseName").unwrap_or_else(|| chart::DEFAULT_RELEASE_NAME.into()),
            namespace: text("namespace").unwrap_or_else(|| chart::DEFAULT_NAMESPACE.into()),
            values_files,
            inline_values: inline.map(|values| InlineValues {
                values,
                after_files,
            }),
            include_crds: matches!(
                field("includeCRDs").map(|v| &v.data),
                Some(Data::Bool(true))
            ),
            kube_version: text("kubeVersion"),
            api_versions: field("apiVersions")
                .and_then(Value::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(scalar_text)
                .collect(),
            max_file_size: read::MAX_FILE_BYTES,
            ..ChartOptions::default()
        };
        Some((chart_dir, options))
    }

    /// Renders the chart and adds its objects (and its CRDs when asked) to `resources`.
    fn inflate(
        &mut self,
        chart_dir: &Path,
        options: &ChartOptions,
        span: Span,
        resources: &mut Vec<Res>,
    ) {
        let first_file = self.files.len();
        let output = chart::render(chart_dir, options, self.files);
        // Every file the render read is an input of the build (never analysed alone).
        self.out
            .inputs
            .extend((first_file..self.files.len()).map(|id| FileId(id as u32)));
        self.out.charts.push(chart_dir.to_path_buf());
        self.out.templates.extend_from_slice(&output.templates);
        let name = crate::source::display_path(chart_dir);
        for problem in &output.problems {
            let at = problem.span.unwrap_or(span);
            self.error(at, format!("chart {name}: {}", problem.message));
        }
        for template in &output.documents {
            let rendered = &template.rendered;
            match read::parse_values(&rendered.text, FileId(u32::MAX), &[], true) {
                Ok(mut values) => {
                    for value in &mut values {
                        let range = value
                            .span
                            .map(|s| s.start.byte as usize..s.end.byte as usize);
                        value.map_spans(&mut |span| rendered.origin_of(span));
                        let omission =
                            range.and_then(|range| rendered.omission_in(range, chart::CLASS_FIELD));
                        if let (Some(omission), Some(root)) = (omission, value.span) {
                            self.out.omitted_class.push((root, omission.clone()));
                        }
                    }
                    if !self.add_objects(values, span, resources, false) {
                        return;
                    }
                }
                Err((message, pos)) => {
                    let at = rendered.origin_of(Span::point(FileId(u32::MAX), pos));
                    self.error(
                        at,
                        format!(
                            "chart {name}: template {} renders invalid YAML: {message}",
                            template.name
                        ),
                    );
                }
            }
        }
        if options.include_crds {
            for (file, text) in &output.crds {
                match read::parse_values(text, *file, &[], true) {
                    Ok(values) => {
                        if !self.add_objects(values, span, resources, false) {
                            return;
                        }
                    }
                    Err((message, pos)) => self.error(
                        Span::point(*file, pos),
                        format!("chart {name}: invalid YAML: {message}"),
                    ),
                }
            }
        }
    }
}
