//! The skill this server serves (the skills extension, SEP-2640): a short
//! guide to driving Twill through these tools (when to wait, how to
//! resume, what "needs you" means), versioned with the crate, as the
//! resource `skill://twill/SKILL.md`.

use rmcp::ErrorData;
use rmcp::model::{
    GetSkillResult, ListSkillsResult, ReadResourceResult, Resource, ResourceContents, Skill,
    SkillFrontmatter, SkillResource, SkillResources,
};

/// The guide, as it is read.
pub const SKILL_MD: &str = include_str!("../skill/SKILL.md");

/// Where it is served.
pub const URI: &str = "skill://twill/SKILL.md";

/// The skill, with its one file's digest and size.
pub fn skill() -> Skill {
    let frontmatter = SkillFrontmatter::new(
        "twill",
        "Drive Twill, a cloud coding agent, through this server's tools - start tasks, wait \
         for their jobs, answer what they wait for, read the results.",
    )
    .with_field("version", env!("CARGO_PKG_VERSION"));
    let file = SkillResource::from_bytes(URI, SKILL_MD.as_bytes());
    Skill::new(URI, frontmatter, SkillResources::Files(vec![file]))
}

/// `skills/list`.
pub fn list() -> ListSkillsResult {
    ListSkillsResult::with_all_items(vec![skill()])
}

/// `skills/get`; `-32602` for another URI.
pub fn get(uri: &str) -> Result<GetSkillResult, ErrorData> {
    if uri == URI {
        Ok(GetSkillResult::new(skill()))
    } else {
        Err(ErrorData::invalid_params(
            format!("no skill {}", crate::result::quoted(uri)),
            None,
        ))
    }
}

/// The `SKILL.md`, for `resources/list`.
pub fn resources() -> Vec<Resource> {
    let resource = Resource::new(URI, "twill")
        .with_mime_type("text/markdown")
        .with_size(SKILL_MD.len() as u64);
    vec![resource]
}

/// `resources/read` of the skill's file; `None` for another URI.
pub fn read(uri: &str) -> Option<ReadResourceResult> {
    (uri == URI).then(|| {
        let contents = ResourceContents::text(SKILL_MD, URI).with_mime_type("text/markdown");
        ReadResourceResult::new(vec![contents])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skill_is_valid_and_its_file_matches_its_digest() {
        let skill = skill();
        assert!(skill.validate().is_ok(), "{:?}", skill.validate());
        let SkillResources::Files(files) = &skill.resources else {
            panic!("a manifest");
        };
        assert!(files[0].verify(SKILL_MD.as_bytes()).is_ok());
        assert!(SKILL_MD.starts_with("---\nname: twill\n"));
        // The listing's version is the file's: hosts check one against the
        // other.
        let version = format!("\nversion: {}\n---\n", env!("CARGO_PKG_VERSION"));
        assert!(
            SKILL_MD.contains(&version),
            "SKILL.md's version is the crate's"
        );
    }
}
