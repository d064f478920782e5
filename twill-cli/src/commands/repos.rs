//! `twill repos`: the repositories Twill can work on.

use twill_api::api::Account;
use twill_api::models::RepositoryList;
use twill_api::{Arguments, Client};

use crate::failure::Failure;
use crate::render::{Form, Table, cell};
use crate::session::{Session, decode};

pub async fn list(session: &Session) -> Result<(), Failure> {
    let raw = session
        .call(<Client as Account>::LIST_REPOSITORIES, Arguments::new())
        .await?;
    if session.output.form == Form::Jsonl {
        return session.lines_of(&decode(&raw)?, "repositories");
    }
    session.show::<RepositoryList>(&raw, |list| {
        let rows: Vec<Vec<String>> = list
            .repositories
            .into_iter()
            .map(|repo| {
                vec![
                    repo.full_name,
                    cell(repo.default_branch),
                    cell(repo.description),
                ]
            })
            .collect();
        Table::new(&["REPOSITORY", "BRANCH", "DESCRIPTION"]).print(&session.output, &rows)
    })
}
