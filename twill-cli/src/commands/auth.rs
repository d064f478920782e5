//! `twill auth status`: whose key this is.

use twill_api::api::Account;
use twill_api::models::Me;
use twill_api::{Arguments, Client};

use crate::failure::Failure;
use crate::render::cell;
use crate::session::Session;

pub async fn status(session: &Session) -> Result<(), Failure> {
    let raw = session
        .call(<Client as Account>::ME, Arguments::new())
        .await?;
    session.show::<Me>(&raw, |me| {
        let out = &session.output;
        out.line(&format!(
            "workspace  {} ({})",
            cell(me.workspace_name),
            cell(me.workspace_slug)
        ))?;
        out.line(&format!("user       {}", cell(me.user_id)))?;
        out.line(&format!(
            "key        {} (id {})",
            session.masked_key,
            cell(me.api_key_id)
        ))?;
        out.line(&format!("api        {}", session.client.base_url()))
    })
}
