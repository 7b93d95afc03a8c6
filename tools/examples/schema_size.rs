fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("description");
            m.remove("format");
            m.remove("minimum");
            for (_, x) in m.iter_mut() { strip(x) }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
        _ => {}
    }
}
fn main() {
    let mut tot = 0;
    for t in tools::registry::tools() {
        let mut os = t.output_schema.clone();
        strip(&mut os);
        let o = serde_json::to_string(&os).unwrap();
        tot += o.len();
        eprintln!("{} out={}", t.name, o.len());
        if t.name == "cluster_overview" { eprintln!("{o}"); }
    }
    eprintln!("total {tot}");
}
