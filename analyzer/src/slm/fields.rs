//! Parameters and their values: the vocabulary the other tables are written in.

/// A value of a parameter and what it means.
pub type Values = &'static [(i64, &'static str)];

/// A parameter (or a URC field): its name and, when it is an enumeration, its values.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Name as the SLM documentation gives it.
    pub name: &'static str,
    /// Known values and their meanings.
    pub values: Values,
}

pub(crate) const fn f(name: &'static str) -> Field {
    Field { name, values: &[] }
}

pub(crate) const fn fv(name: &'static str, values: Values) -> Field {
    Field { name, values }
}

/// The meaning of `v` in `values`.
pub fn lookup(values: Values, v: i64) -> Option<&'static str> {
    values.iter().find(|(k, _)| *k == v).map(|(_, m)| *m)
}

/// Off and on.
pub(crate) const ONOFF: Values = &[(0, "off"), (1, "on")];
