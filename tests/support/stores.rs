//! What the tests of layered stores share: an organisation's lesson pack, and a listing of
//! a store's files to prove that a reader wrote nothing.

/// A pack with one lesson, `org-no-os-system`, that fires on every call.
pub const ORG_PACK: &str = "[[lesson]]\nid = \"org-no-os-system\"\nversion = 1\ntitle = \"os.system runs a shell command through the shell\"\nmessage = \"use subprocess.run with a list of arguments instead of os.system\"\nseverity = \"warning\"\nlibraries = []\nexplanation = \"A string given to a shell is open to injection.\"\nquery = \"(call) @lesson\"\nbad = \"os.system(command)\"\ngood = \"subprocess.run(args)\"\n";

/// Every file under `dir` with its size, sorted.
pub fn files_of(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => found.extend(files_of(&path)),
            false => found.push(format!(
                "{} {}",
                path.display(),
                path.metadata().unwrap().len()
            )),
        }
    }
    found.sort();
    found
}
