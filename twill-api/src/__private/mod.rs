//! What generated endpoint methods call. Not public API: the macro and this
//! module change together.
//!
//! Each endpoint expands to a chain on [`Call`]: the path pieces, queries,
//! headers and body in declaration order, then [`Call::send`]. The chain
//! builds the whole request before the returned future is first polled, so a
//! refused argument is reported without any I/O, and only `send` (generic in
//! the decoded types alone) is instantiated per endpoint.
//!
//! A call runs in stages: 1. prepare (`Call::into_request`, here); then, in
//! `execute.rs`, 2. send with retries, 3. classify each attempt's end,
//! 4. read the final answer.

mod execute;

use std::future::Future;

use reqwest::Url;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue,
    USER_AGENT,
};
use serde::Serialize;

use self::execute::{Outcome, Prepared, execute};
use crate::error::{EndpointError, Error, InputProblem, InvalidInput};
use crate::param::{OptionalParamValue, ParamValue, PercentEncoder};
use crate::response::{FromResponse, RawResponse};
use crate::{BoxFuture, Client, Endpoint};

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Stages 2 to 4 of a typed call, and the decoding of its answer.
async fn finish<T, E>(
    client: &Client,
    endpoint: &'static Endpoint,
    request: Result<Prepared, Error>,
) -> Result<T, E>
where
    T: FromResponse,
    E: EndpointError,
{
    let request = request?;
    match execute(client, endpoint, &request).await? {
        Outcome::Success(response) => T::from_response(response).await.map_err(E::from),
        Outcome::Failure(response) => Err(E::from_response(response)),
    }
}

/// A request being built by a generated method.
#[must_use = "a call does nothing until `send` is awaited"]
pub struct Call<'a> {
    client: &'a Client,
    endpoint: &'static Endpoint,
    url: String,
    has_query: bool,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    /// The first argument refused; the rest of the chain does nothing.
    error: Option<InvalidInput>,
}

impl<'a> Call<'a> {
    pub fn new(client: &'a Client, endpoint: &'static Endpoint) -> Self {
        let base = client.base_url();
        let mut url = String::with_capacity(base.len() + endpoint.path().len() + 16);
        url.push_str(base);
        Call {
            client,
            endpoint,
            url,
            has_query: false,
            headers: Vec::new(),
            body: None,
            error: None,
        }
    }

    /// Appends literal path text from the template.
    pub fn literal(mut self, text: &str) -> Self {
        self.url.push_str(text);
        self
    }

    /// Appends one percent-encoded path segment.
    pub fn segment<V: ParamValue + ?Sized>(mut self, placeholder: &'static str, value: &V) -> Self {
        if self.error.is_some() {
            return self;
        }
        let start = self.url.len();
        if value
            .write_param(&mut PercentEncoder(&mut self.url))
            .is_err()
        {
            return self.refuse(placeholder, InputProblem::Format);
        }
        // `.` is unreserved, so the encoded text is `.` or `..` exactly when
        // the value was.
        match &self.url[start..] {
            "" => self.refuse(placeholder, InputProblem::EmptySegment),
            "." | ".." => self.refuse(placeholder, InputProblem::DotSegment),
            _ => self,
        }
    }

    /// Appends `name=value` to the query, unless the value is `None`.
    pub fn query<V: OptionalParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        let Some(value) = value.param_value() else {
            return self;
        };
        if self.error.is_some() {
            return self;
        }
        self.url.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.url.push_str(name);
        self.url.push('=');
        if value
            .write_param(&mut PercentEncoder(&mut self.url))
            .is_err()
        {
            return self.refuse(name, InputProblem::Format);
        }
        self
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
        self.error = Some(InvalidInput {
            endpoint: self.endpoint.name(),
            parameter,
            problem,
        });
        self
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
        async move { finish(client, endpoint, request).await }
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
        Box::pin(finish(client, endpoint, self.into_request(T::ACCEPT)))
    }

    /// Sends the request and hands back the success response as it came
    /// (its body read unless the endpoint streams), or the failure decoded
    /// into [`Error`]: for calls made from an endpoint's metadata.
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
        let url = Url::parse(&self.url).map_err(|_| {
            Error::InvalidInput(InvalidInput {
                endpoint: self.endpoint.name(),
                parameter: "url",
                problem: InputProblem::InvalidUrl,
            })
        })?;
        let client = self.client;
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
        // A stream lasts as long as the job it follows, so the HTTP
        // client's timeout, which covers the whole body, would cut it
        // short: the call timeout bounds its head here instead, and its
        // reader the silence between events.
        let streaming = self.endpoint.is_streaming();
        Ok(Prepared {
            method: self.endpoint.method().to_reqwest(),
            url,
            headers,
            body: self.body,
            timeout: client.timeout().filter(|_| !streaming),
            head_timeout: client.timeout().filter(|_| streaming),
            limits: client.limits(),
        })
    }
}
