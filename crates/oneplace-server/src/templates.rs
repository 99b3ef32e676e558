//! The page templates, embedded in the binary.

use minijinja::{AutoEscape, Environment, Error};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("login.html", include_str!("templates/login.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("report.html", include_str!("templates/report.html")),
    ("appraisals.html", include_str!("templates/appraisals.html")),
    ("document.html", include_str!("templates/document.html")),
    ("partner.html", include_str!("templates/partner.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("ucd.html", include_str!("templates/ucd.html")),
    ("import.html", include_str!("templates/import.html")),
    ("users.html", include_str!("templates/users.html")),
    ("drilldown.html", include_str!("templates/drilldown.html")),
    ("results.html", include_str!("templates/results.html")),
    ("readiness.html", include_str!("templates/readiness.html")),
    ("estate.html", include_str!("templates/estate.html")),
    (
        "contributions.html",
        include_str!("templates/contributions.html"),
    ),
    (
        "contribution_form.html",
        include_str!("templates/contribution_form.html"),
    ),
    ("account.html", include_str!("templates/account.html")),
    (
        "document_form.html",
        include_str!("templates/document_form.html"),
    ),
    (
        "appraisal_edit.html",
        include_str!("templates/appraisal_edit.html"),
    ),
    (
        "appraisal_compare.html",
        include_str!("templates/appraisal_compare.html"),
    ),
    ("simulation.html", include_str!("templates/simulation.html")),
];

/// The style sheet, served at `/static/app.css`.
pub const STYLE: &str = include_str!("templates/app.css");

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // `.html` templates are HTML-escaped by default. Strings are escaped
    // here for the five characters that matter in text and quoted
    // attributes, leaving `/` as it is (minijinja would write `&#x2f;`,
    // which is correct but makes "2025/26" unreadable in the source).
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Html
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            return out.write_str(&escape_html(s)).map_err(Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
}

/// `&`, `<`, `>`, `"` and `'` as entities.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_for_html() {
        let env = super::environment();
        assert_eq!(
            super::escape_html("<a href=\"x\">O'Neil & co, 2025/26</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co, 2025/26&lt;/a&gt;"
        );
        let t = env.template_from_named_str("t.html", "{{ s }}").unwrap();
        assert_eq!(
            t.render(minijinja::context! { s => "<b>2025/26</b>" })
                .unwrap(),
            "&lt;b&gt;2025/26&lt;/b&gt;"
        );
    }
}
