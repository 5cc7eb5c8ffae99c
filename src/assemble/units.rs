//! Which unit of assembly each input belongs to. Charts: the files under a chart's
//! `templates/` are rendered with the chart, never read on their own.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// The file that makes a directory a chart.
const CHART_FILE: &str = "Chart.yaml";

/// How far up from a file a chart is looked for: charts nest a few levels (`charts/`
/// subcharts), not dozens, and the walk up stats one file per level.
const MAX_LEVELS: usize = 32;

/// Finds the chart each file belongs to, remembering what it learnt per directory (a
/// tree of thousands of files has a few hundred directories).
#[derive(Debug, Default)]
pub struct ChartFinder {
    /// Whether a directory holds a `Chart.yaml` (a regular file, not a link), by its path's
    /// bytes (hashing a `Path` goes component by component).
    is_chart: HashMap<OsString, bool>,
    /// The nearest chart at or above each directory asked about (walking up from every
    /// directory of a 3,000-directory tree, a level at a time, was a twentieth of a warm
    /// one-file run): what a directory below finds through it.
    nearest: HashMap<OsString, Option<Nearest>>,
    /// The last directory asked about, and its answer: files come sorted, a directory's
    /// together (walking up and hashing each level for each file was a tenth of a warm
    /// one-file run).
    last: Option<(PathBuf, Option<PathBuf>)>,
}

impl ChartFinder {
    /// The chart whose templates `path` is one of: the outermost chart, for a template of
    /// a subchart (`charts/NAME/templates/…` is rendered as part of its parent). `None`
    /// for files that are not templates of a chart (a chart's `values.yaml`, `crds/` and
    /// anything outside `templates/` are read as they are).
    pub fn template_chart(&mut self, path: &Path) -> Option<PathBuf> {
        let dir = path.parent()?;
        if let Some((last, chart)) = &self.last
            && last.as_os_str() == dir.as_os_str()
        {
            return chart.clone();
        }
        let chart = self.chart_of_dir(dir);
        self.last = Some((dir.to_path_buf(), chart.clone()));
        chart
    }

    /// [`template_chart`](Self::template_chart) of the files in `dir`: the chart at most
    /// `MAX_LEVELS - 1` levels up whose directory just below on the way is `templates`.
    fn chart_of_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        // Only a file under a `templates` directory can be one: the rest of a tree needs
        // no look for a `Chart.yaml` (a `stat` per directory of a warm one-file run).
        if !dir.components().any(|part| part.as_os_str() == "templates") {
            return None;
        }
        let nearest = self.nearest(dir)?;
        (nearest.levels < MAX_LEVELS && nearest.below.as_deref() == Some("templates".as_ref()))
            .then(|| self.outermost(&nearest.chart))
    }

    /// The nearest chart at or above `dir` (`None`: none within `MAX_LEVELS` levels, or
    /// none before a directory without a name, as `..`).
    fn nearest(&mut self, dir: &Path) -> Option<Nearest> {
        // The directories walked up through, none a chart, from `dir` on.
        let mut chain: Vec<&Path> = Vec::new();
        let mut at = dir;
        let found = loop {
            if let Some(known) = self.nearest.get(at.as_os_str()) {
                break known.clone();
            }
            if chain.len() == MAX_LEVELS {
                // What lies further up is beyond every directory of the chain's reach;
                // but whether theirs holds a chart is not known: not remembered.
                return None;
            }
            if self.is_chart(at) {
                let chart = Some(Nearest {
                    chart: at.to_path_buf(),
                    below: None,
                    levels: 0,
                });
                self.nearest
                    .insert(at.as_os_str().to_os_string(), chart.clone());
                break chart;
            }
            chain.push(at);
            match (at.file_name(), parent_dir(at)) {
                (Some(_), Some(parent)) => at = parent,
                _ => break None,
            }
        };
        let mut found = found;
        for dir in chain.into_iter().rev() {
            found = found.map(|above| Nearest {
                below: above.below.or_else(|| dir.file_name().map(OsString::from)),
                levels: above.levels + 1,
                chart: above.chart,
            });
            self.nearest
                .insert(dir.as_os_str().to_os_string(), found.clone());
        }
        found
    }

    /// `chart`, or the chart it is a subchart of (`PARENT/charts/NAME`), recursively.
    fn outermost(&mut self, chart: &Path) -> PathBuf {
        let mut root = chart;
        for _ in 0..MAX_LEVELS {
            let parent = root
                .parent()
                .filter(|charts| charts.file_name().is_some_and(|name| name == "charts"))
                .and_then(Path::parent);
            match parent {
                Some(parent) if self.is_chart(parent) => root = parent,
                _ => break,
            }
        }
        root.to_path_buf()
    }

    fn is_chart(&mut self, dir: &Path) -> bool {
        if let Some(&known) = self.is_chart.get(dir.as_os_str()) {
            return known;
        }
        let file = if dir.as_os_str().is_empty() {
            PathBuf::from(CHART_FILE)
        } else {
            dir.join(CHART_FILE)
        };
        let found = std::fs::symlink_metadata(file).is_ok_and(|m| m.file_type().is_file());
        self.is_chart.insert(dir.as_os_str().to_os_string(), found);
        found
    }
}

/// The nearest chart at or above a directory.
#[derive(Debug, Clone)]
struct Nearest {
    chart: PathBuf,
    /// The name of the directory just below the chart on the way down (`None`: the
    /// directory is the chart).
    below: Option<OsString>,
    /// How many levels up it is.
    levels: usize,
}

/// The parent of a relative or absolute directory; `None` past the top or at `..` (the
/// walk up never leaves the path as given: `../x` is not searched beyond `..`).
fn parent_dir(dir: &Path) -> Option<&Path> {
    if dir.as_os_str().is_empty()
        || matches!(dir.components().next_back(), Some(Component::ParentDir))
    {
        return None;
    }
    dir.parent()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, path: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "x: 1\n").unwrap();
    }

    #[test]
    fn templates_belong_to_the_outermost_chart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "app/Chart.yaml",
            "app/values.yaml",
            "app/templates/ds.yaml",
            "app/templates/sub/deep.yaml",
            "app/crds/crd.yaml",
            "app/charts/agent/Chart.yaml",
            "app/charts/agent/templates/ds.yaml",
            "app/charts/agent/values.yaml",
            "plain/templates/ds.yaml",
            "plain/ds.yaml",
        ] {
            touch(root, file);
        }
        let mut finder = ChartFinder::default();
        let app = root.join("app");
        let chart = |finder: &mut ChartFinder, file: &str| finder.template_chart(&root.join(file));
        assert_eq!(
            chart(&mut finder, "app/templates/ds.yaml"),
            Some(app.clone())
        );
        assert_eq!(
            chart(&mut finder, "app/templates/sub/deep.yaml"),
            Some(app.clone())
        );
        assert_eq!(
            chart(&mut finder, "app/charts/agent/templates/ds.yaml"),
            Some(app)
        );
        for loose in [
            "app/values.yaml",
            "app/Chart.yaml",
            "app/crds/crd.yaml",
            "app/charts/agent/values.yaml",
            "plain/templates/ds.yaml",
            "plain/ds.yaml",
        ] {
            assert_eq!(chart(&mut finder, loose), None, "{loose}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_chart_file_does_not_make_a_chart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "elsewhere/Chart.yaml");
        touch(root, "app/templates/ds.yaml");
        std::os::unix::fs::symlink(
            root.join("elsewhere/Chart.yaml"),
            root.join("app/Chart.yaml"),
        )
        .unwrap();
        let mut finder = ChartFinder::default();
        assert_eq!(
            finder.template_chart(&root.join("app/templates/ds.yaml")),
            None
        );
    }

    #[test]
    fn a_chart_is_looked_for_so_many_levels_up_whatever_was_asked_before() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "app/Chart.yaml");
        let deep = |levels: usize| {
            let mut path = root.join("app/templates");
            for level in 0..levels {
                path.push(format!("d{level}"));
            }
            path.join("ds.yaml")
        };
        // The file's directory and the 30 above it: `templates` is the last searched.
        let (reached, beyond) = (deep(MAX_LEVELS - 2), deep(MAX_LEVELS - 1));
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]] {
            let paths = [deep(0), deep(5), reached.clone(), beyond.clone()];
            let mut finder = ChartFinder::default();
            for i in order {
                let found = finder.template_chart(&paths[i]);
                assert_eq!(found.is_some(), i < 3, "{order:?} {i}");
            }
        }
    }

    #[test]
    fn relative_paths_are_searched_up_to_where_they_start() {
        let mut finder = ChartFinder::default();
        assert_eq!(finder.template_chart(Path::new("templates/ds.yaml")), None);
        assert_eq!(parent_dir(Path::new("../x")), Some(Path::new("..")));
        assert_eq!(parent_dir(Path::new("..")), None);
        assert_eq!(parent_dir(Path::new("")), None);
    }
}
