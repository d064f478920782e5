//! The call engine, shared by every way of calling an endpoint: the typed
//! methods the macro writes (through `crate::__private`) and
//! [`Client::call`] (in `untyped.rs`, from an endpoint's metadata).
//!
//! Each endpoint expands to a chain on [`Call`]: the path pieces, queries,
//! headers and body in declaration order, then [`Call::send`]. The chain
//! builds the whole request before the returned future is first polled, so a
//! refused argument is reported without any I/O, and only `send` (generic in
//! the decoded types alone) is instantiated per endpoint. The methods of
//! `Call` are not public API: the macro and this module change together.
//!
//! A call runs in stages: 1. prepare (`Call::into_request`, here); then, in
//! `execute.rs`, 2. send with retries, 3. classify each attempt's end,
//! 4. read the final answer.

mod execute;
mod untyped;

pub use untyped::Arguments;

use std::fmt::Write as _;
use std::future::Future;

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue,
    USER_AGENT,
};
use serde::Serialize;

use self::execute::{Outcome, Prepared, execute};
use crate::error::{EndpointError, Error, InputProblem, InvalidInput};
use crate::param::{OptionalParamValue, ParamValue, PercentEncoder, QueryValue};
use crate::response::{FromResponse, RawResponse};
use crate::{BoxFuture, Client, Endpoint};

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Stages 2 to 4 of a typed call, and the decoding of its answer.
///
/// Written as a function returning a block, not as an `async fn`, and with
/// no local for a value that is handed on: an `async fn` keeps a copy of
/// each argument in its future beside the one it was given, and a local
/// moved from keeps its room until its scope ends. Every call's future
/// (boxed, and touched on every poll) is smaller for it.
#[allow(clippy::manual_async_fn)]
fn finish<T, E>(
    client: &Client,
    endpoint: &'static Endpoint,
    request: Prepared,
) -> impl Future<Output = Result<T, E>> + Send
where
    T: FromResponse,
    E: EndpointError,
{
    async move {
        let response = match execute(client, endpoint, &request).await {
            Ok(Outcome::Success(response)) => response,
            Ok(Outcome::Failure(response)) => return Err(E::from_response(response)),
            Err(error) => return Err(E::from(error)),
        };
        T::from_response(response).await.map_err(E::from)
    }
}

/// A request being built by a generated method.
#[doc(hidden)]
#[must_use = "a call does nothing until `send` is awaited"]
pub struct Call<'a> {
    client: &'a Client,
    endpoint: &'static Endpoint,
    /// The path and query, encoded; the scheme and host are the client's
    /// (parsed once, when it was built).
    target: String,
    /// Where the query starts in `target` (at its `?`), if it has one.
    query_start: Option<usize>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    /// The first argument refused; the rest of the chain does nothing.
    error: Option<InvalidInput>,
    /// The path or query parameter with the longest encoded value, to name
    /// when the URL is too long.
    longest: (&'static str, usize),
}

impl<'a> Call<'a> {
    pub fn new(client: &'a Client, endpoint: &'static Endpoint) -> Self {
        let base = client.base().path().trim_end_matches('/');
        let mut target = String::with_capacity(base.len() + endpoint.path().len() + 16);
        target.push_str(base);
        Call {
            client,
            endpoint,
            target,
            query_start: None,
            headers: Vec::new(),
            body: None,
            error: None,
            longest: ("path", 0),
        }
    }

    fn measured(mut self, parameter: &'static str, start: usize) -> Self {
        self.measure(parameter, start);
        self
    }

    fn measure(&mut self, parameter: &'static str, start: usize) {
        let length = self.target.len() - start;
        if length > self.longest.1 {
            self.longest = (parameter, length);
        }
    }

    /// Appends literal path text from the template.
    pub fn literal(mut self, text: &str) -> Self {
        self.target.push_str(text);
        self
    }

    /// Appends one percent-encoded path segment.
    pub fn segment<V: ParamValue + ?Sized>(mut self, placeholder: &'static str, value: &V) -> Self {
        if self.error.is_some() {
            return self;
        }
        let start = self.target.len();
        if value
            .write_param(&mut PercentEncoder(&mut self.target))
            .is_err()
        {
            return self.refuse(placeholder, InputProblem::Format);
        }
        // `.` is unreserved, so the encoded text is `.` or `..` exactly when
        // the value was.
        match &self.target[start..] {
            "" => self.refuse(placeholder, InputProblem::EmptySegment),
            "." | ".." => self.refuse(placeholder, InputProblem::DotSegment),
            _ => self.measured(placeholder, start),
        }
    }

    /// Appends a tail (`<name..>`): the value's `/`-separated segments,
    /// each percent-encoded, `/` kept between them. An empty segment
    /// (`a//b`, a leading or trailing `/`) and a `.` or `..` segment are
    /// refused: the first would be dropped or merged by servers, the second
    /// would climb out of the declared path.
    pub fn tail<V: ParamValue + ?Sized>(mut self, placeholder: &'static str, value: &V) -> Self {
        if self.error.is_some() {
            return self;
        }
        let mut text = String::new();
        if value.write_param(&mut text).is_err() {
            return self.refuse(placeholder, InputProblem::Format);
        }
        let start = self.target.len();
        for (index, segment) in text.split('/').enumerate() {
            let problem = match segment {
                "" => Some(InputProblem::EmptySegment),
                "." | ".." => Some(InputProblem::DotSegment),
                _ => None,
            };
            if let Some(problem) = problem {
                return self.refuse(placeholder, problem);
            }
            if index > 0 {
                self.target.push('/');
            }
            // Writing to a `String` cannot fail.
            _ = PercentEncoder(&mut self.target).write_str(segment);
        }
        self.measured(placeholder, start)
    }

    /// Appends `name=value` to the query for each of the argument's values:
    /// none for `None` or an empty list, one per item of a list.
    pub fn query<V: QueryValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        value.each_value(&mut |value| self.query_value(name, value));
        self
    }

    fn query_value<V: ParamValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        if self.error.is_some() {
            return;
        }
        match self.query_start {
            Some(_) => self.target.push('&'),
            None => {
                self.query_start = Some(self.target.len());
                self.target.push('?');
            }
        }
        self.target.push_str(name);
        self.target.push('=');
        let start = self.target.len();
        if value
            .write_param(&mut PercentEncoder(&mut self.target))
            .is_err()
        {
            self.error = Some(self.problem(name, InputProblem::Format));
            return;
        }
        self.measure(name, start);
    }

    /// Adds a header, unless the value is `None`. `name` is a lower-case
    /// token, checked by the macro.
    pub fn header<V: OptionalParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        let Some(value) = value.param_value() else {
            return self;
        };
        if self.error.is_some() {
            return self;
        }
        let mut text = String::new();
        if value.write_param(&mut text).is_err() {
            return self.refuse(name, InputProblem::Format);
        }
        match HeaderValue::try_from(text) {
            Ok(mut value) => {
                // A declared header may carry a credential of its own: keep
                // it out of traces, as the key is.
                value.set_sensitive(true);
                self.headers.push((HeaderName::from_static(name), value));
                self
            }
            Err(_) => self.refuse(name, InputProblem::InvalidHeaderValue),
        }
    }

    /// Serializes the JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        if self.error.is_some() {
            return self;
        }
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self
            }
            Err(error) => self.refuse("body", InputProblem::Body(error)),
        }
    }

    fn refuse(mut self, parameter: &'static str, problem: InputProblem) -> Self {
        self.error = Some(self.problem(parameter, problem));
        self
    }

    fn problem(&self, parameter: &'static str, problem: InputProblem) -> InvalidInput {
        InvalidInput {
            endpoint: self.endpoint.name(),
            parameter,
            problem,
        }
    }

    /// Sends the request and decodes the response into `T`, or the failure
    /// into `E`.
    pub fn send<T, E>(self) -> impl Future<Output = Result<T, E>> + Send + 'a
    where
        T: FromResponse,
        E: EndpointError,
    {
        let client = self.client;
        let endpoint = self.endpoint;
        let request = self.into_request(T::ACCEPT);
        // A block, not `finish`'s future itself: that would have to outlive
        // `'a` with `T` and `E` in it, which a generic method cannot promise.
        async move {
            match request {
                Ok(request) => finish(client, endpoint, request).await,
                Err(error) => Err(E::from(error)),
            }
        }
    }

    /// [`send`](Self::send), boxed: what a method returning a
    /// [`BoxFuture`] calls, so that its expansion stays one chain.
    pub fn send_boxed<T, E>(self) -> BoxFuture<'a, Result<T, E>>
    where
        T: FromResponse + 'a,
        E: EndpointError + 'a,
    {
        let client = self.client;
        let endpoint = self.endpoint;
        match self.into_request(T::ACCEPT) {
            Ok(request) => Box::pin(finish(client, endpoint, request)),
            Err(error) => Box::pin(async move { Err(E::from(error)) }),
        }
    }

    /// Sends the request and hands back the success response as it came
    /// (its body read unless the endpoint streams), or the failure decoded
    /// into [`Error`](crate::Error): for calls made from an endpoint's metadata.
    pub(crate) async fn send_raw(self, accept: &'static str) -> Result<RawResponse, Error> {
        let client = self.client;
        let endpoint = self.endpoint;
        let request = self.into_request(accept)?;
        match execute(client, endpoint, &request).await? {
            Outcome::Success(response) => Ok(response),
            Outcome::Failure(response) => Err(Error::from_response(response)),
        }
    }

    /// Sends `{}` as the body, for the endpoints that want an empty object.
    pub fn empty_object(mut self) -> Self {
        self.body = Some(b"{}".to_vec());
        self
    }

    /// Stage 1: the whole request, checked, before any I/O.
    fn into_request(self, accept: &'static str) -> Result<Prepared, Error> {
        if let Some(error) = self.error {
            return Err(Error::InvalidInput(error));
        }
        let client = self.client;
        // Setting the path and query on the parsed base costs a third of
        // parsing the whole URL again (the host above all: 2,300 against
        // 7,300 instructions per call) and gives the same URL (tested
        // below): the path is the template's checked literals and
        // percent-encoded values.
        let mut url = client.base().clone();
        match self.query_start {
            None => url.set_path(&self.target),
            Some(start) => {
                url.set_path(&self.target[..start]);
                url.set_query(Some(&self.target[start + 1..]));
            }
        }
        // The HTTP stack refuses a longer URI at send time, as a transport
        // "builder error"; nothing would be sent, so say so now.
        if url.as_str().len() > crate::client::MAX_URL_BYTES {
            return Err(Error::InvalidInput(InvalidInput {
                endpoint: self.endpoint.name(),
                parameter: self.longest.0,
                problem: InputProblem::UrlTooLong {
                    length: url.as_str().len(),
                    limit: crate::client::MAX_URL_BYTES,
                },
            }));
        }
        let mut headers = HeaderMap::with_capacity(5 + self.headers.len());
        headers.insert(AUTHORIZATION, client.authorization().clone());
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        headers.insert(USER_AGENT, client.user_agent().clone());
        if self.body.is_some() {
            headers.insert(CONTENT_TYPE, APPLICATION_JSON);
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        if self.body.is_none() && self.endpoint.method().takes_body() {
            // Some proxies refuse a POST without a length (411).
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        Ok(Prepared {
            method: self.endpoint.method().to_reqwest(),
            url,
            headers,
            body: self.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Url;

    use super::Call;
    use crate::endpoint::HttpMethod;
    use crate::{Client, Endpoint};

    static ENDPOINT: Endpoint =
        Endpoint::new("probe", HttpMethod::Get, "/probe/<value>").with_placeholders(&[(7, 14)]);

    /// Setting the path and query on the parsed base must give exactly the
    /// URL that parsing the whole text would: for every base form and every
    /// character, in a segment and in a query.
    #[test]
    fn a_call_url_is_the_one_a_full_parse_gives() {
        let characters = (0..0x300u32)
            .chain([0x2028, 0xfeff, 0x1f600])
            .filter_map(char::from_u32);
        let values: Vec<String> = characters
            .map(|c| format!("a{c}b"))
            .chain(["%2e%2E", "...", "a b", "é/ü?#", "%", "%zz", "\\x"].map(String::from))
            .collect();
        for base in [
            "https://twill.ai/api/v1",
            "https://twill.ai/api/v1/",
            "https://twill.ai",
            "http://127.0.0.1:8080/api/v1",
            "http://[::1]:9/x",
            "https://BÜCHER.example/api/v1",
        ] {
            let client = Client::builder()
                .api_key("twill_sk_test")
                .base_url(base)
                .build()
                .unwrap();
            let base_path = client.base().path().trim_end_matches('/');
            let origin = client.base_url().strip_suffix(base_path).unwrap();
            for value in &values {
                for query in [None, Some(value.as_str())] {
                    let call = Call::new(&client, &ENDPOINT)
                        .literal("/probe/")
                        .segment("value", value.as_str())
                        .query("q", &query)
                        .query("r", "1");
                    let whole = format!("{origin}{}", call.target);
                    let Ok(prepared) = call.into_request("application/json") else {
                        panic!("{base} {value:?} refused");
                    };
                    assert_eq!(
                        prepared.url,
                        Url::parse(&whole).unwrap(),
                        "{base} {value:?}"
                    );
                }
            }
        }
    }
}
