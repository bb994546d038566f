"""An OAuth-protected MCP server on the official Python SDK, for cchost's OAuth tests: the SDK's
own authorization server (metadata, dynamic client registration, PKCE, refresh) over an
in-memory provider that approves every authorization request at once, so a test can follow
the authorization URL without a person.

Usage: py_oauth_server.py TOKEN_SECONDS PORT
Access tokens live TOKEN_SECONDS; refresh tokens until used. Tools: echo(text), and
token_number() — which access token (1, 2, …, in the order issued) the request carried, so a
test can see that a refresh happened without seeing a token.
"""

import secrets
import sys
import time

from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.shared.auth import OAuthToken

SCOPE = "mcp:tools"


class AutoApprovingProvider:
    def __init__(self, lifetime: int):
        self.lifetime = lifetime
        self.clients = {}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.issued = 0

    async def get_client(self, client_id):
        return self.clients.get(client_id)

    async def register_client(self, client_info):
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client, params):
        code = secrets.token_urlsafe(16)
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=params.scopes or [SCOPE],
            expires_at=time.time() + 300,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(self, client, authorization_code):
        return self.codes.get(authorization_code)

    async def exchange_authorization_code(self, client, authorization_code):
        del self.codes[authorization_code.code]
        return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client, refresh_token):
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(self, client, refresh_token, scopes):
        del self.refresh_tokens[refresh_token.token]
        return self._issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource)

    async def load_access_token(self, token):
        access = self.access_tokens.get(token)
        if access is None or access.expires_at < time.time():
            return None
        return access

    async def revoke_token(self, token):
        self.access_tokens.pop(token.token, None)
        self.refresh_tokens.pop(token.token, None)

    def _issue(self, client_id, scopes, resource):
        self.issued += 1
        access = f"at-{self.issued}-{secrets.token_urlsafe(16)}"
        refresh = f"rt-{self.issued}-{secrets.token_urlsafe(16)}"
        self.access_tokens[access] = AccessToken(
            token=access,
            client_id=client_id,
            scopes=scopes,
            expires_at=int(time.time()) + self.lifetime,
            resource=resource,
        )
        self.refresh_tokens[refresh] = RefreshToken(
            token=refresh, client_id=client_id, scopes=scopes, resource=resource
        )
        return OAuthToken(
            access_token=access,
            expires_in=self.lifetime,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )


def main():
    lifetime = int(sys.argv[1])
    port = int(sys.argv[2])
    base = f"http://127.0.0.1:{port}"
    server = MCPServer(
        "cchost-py-oauth-test",
        version="1.0.0",
        auth_server_provider=AutoApprovingProvider(lifetime),
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
            ),
            required_scopes=[SCOPE],
            validate_token_resource=False,
        ),
    )

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return f"Echo: {text}"

    @server.tool()
    def token_number() -> str:
        """Which access token (in the order issued) this request carried."""
        token = get_access_token()
        return f"token {token.token.split('-')[1]}" if token else "no token"

    server.run("streamable-http", host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
