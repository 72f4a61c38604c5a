"""The canary programs: one minimal client per runtime, written as an app would write it.

Each takes the canary URL as its argument and prints one JSON line: `status` (null when no
HTTP answer came), `canary` (the X-Authlens-Canary header), `error` (the text the app's
error would carry: the exception, or what an app prints from a failed response).
curl and wget are run directly (`runtimes_canary`).
"""

from __future__ import annotations

from typing import Final

_PY_HEAD = "import json, sys\nurl = sys.argv[1]\n"
_PY_FAIL = (
    "except Exception as e:\n"
    "    print(json.dumps({'status': None, 'canary': None,"
    " 'error': f'{type(e).__name__}: {e} {e.__cause__ or e.__context__ or \"\"}'}))\n"
)

PYTHON: Final = {
    "openai": _PY_HEAD
    + (
        "import openai\n"
        "try:\n"
        "    client = openai.OpenAI(api_key='sk-authlens-canary', base_url=url, max_retries=0)\n"
        "    client.models.list()\n"
        "    print(json.dumps({'status': 200, 'canary': None, 'error': ''}))\n"
        "except openai.APIStatusError as e:\n"
        "    print(json.dumps({'status': e.status_code,"
        " 'canary': e.response.headers.get('x-authlens-canary'), 'error': str(e)}))\n"
    )
    + _PY_FAIL,
    "httpx": _PY_HEAD
    + (
        "import httpx\n"
        "try:\n"
        "    r = httpx.get(url)\n"
        "    status, canary = r.status_code, r.headers.get('x-authlens-canary')\n"
        "    r.raise_for_status()\n"
        "    print(json.dumps({'status': status, 'canary': canary, 'error': ''}))\n"
        "except httpx.HTTPStatusError as e:\n"
        "    print(json.dumps({'status': status, 'canary': canary, 'error': str(e)}))\n"
    )
    + _PY_FAIL,
    "requests": _PY_HEAD
    + (
        "import requests\n"
        "try:\n"
        "    r = requests.get(url, timeout=20)\n"
        "    status, canary = r.status_code, r.headers.get('x-authlens-canary')\n"
        "    r.raise_for_status()\n"
        "    print(json.dumps({'status': status, 'canary': canary, 'error': ''}))\n"
        "except requests.HTTPError as e:\n"
        "    print(json.dumps({'status': status, 'canary': canary, 'error': str(e)}))\n"
    )
    + _PY_FAIL,
    "urllib": _PY_HEAD
    + (
        "import urllib.error, urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen(url, timeout=20)\n"
        "    print(json.dumps({'status': 200, 'canary': None, 'error': ''}))\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(json.dumps({'status': e.code, 'canary': e.headers.get('x-authlens-canary'),"
        " 'error': str(e)}))\n"
    )
    + _PY_FAIL,
    "aiohttp": _PY_HEAD
    + (
        "import asyncio, aiohttp\n"
        "async def main():\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.get(url) as r:\n"
        "            status, canary = r.status, r.headers.get('x-authlens-canary')\n"
        "            try:\n"
        "                r.raise_for_status()\n"
        "                return {'status': status, 'canary': canary, 'error': ''}\n"
        "            except aiohttp.ClientResponseError as e:\n"
        "                return {'status': status, 'canary': canary, 'error': str(e)}\n"
        "try:\n"
        "    print(json.dumps(asyncio.run(main())))\n"
    )
    + _PY_FAIL,
}

NODE: Final = {
    "fetch": (
        "const url = process.argv[process.argv.length - 1];\n"
        "fetch(url).then(async r => console.log(JSON.stringify({status: r.status,"
        " canary: r.headers.get('x-authlens-canary'), error: r.ok ? '' : `${r.status} ${await"
        " r.text()}`}))).catch(e => console.log(JSON.stringify({status: null, canary: null,"
        " error: `${e} ${e.cause || ''}`})));\n"
    ),
    "https": (
        "const url = process.argv[process.argv.length - 1];\n"
        "require('https').get(url, r => { let body = '';"
        " r.on('data', d => body += d); r.on('end', () => console.log(JSON.stringify({"
        "status: r.statusCode, canary: r.headers['x-authlens-canary'] || null,"
        " error: `${r.statusCode} ${body}`}))); }).on('error', e => console.log("
        "JSON.stringify({status: null, canary: null, error: String(e)})));\n"
    ),
}

JAVA: Final = """\
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class Canary {
    public static void main(String[] args) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(args[0])).build(),
                HttpResponse.BodyHandlers.ofString());
            String canary = r.headers().firstValue("x-authlens-canary").orElse("");
            System.out.println("{\\"status\\": " + r.statusCode() + ", \\"canary\\": "
                + quote(canary) + ", \\"error\\": " + quote(r.statusCode() + " " + r.body()) + "}");
        } catch (Exception e) {
            System.out.println("{\\"status\\": null, \\"canary\\": null, \\"error\\": "
                + quote(e + " " + e.getCause()) + "}");
        }
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\\\') out.append('\\\\').append(c);
            else if (c < 0x20) out.append(' ');
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
"""

GO: Final = """\
package main

import (
\t"encoding/json"
\t"fmt"
\t"io"
\t"net/http"
\t"os"
)

func main() {
\tout := map[string]any{"status": nil, "canary": nil, "error": ""}
\tr, err := http.Get(os.Args[1])
\tif err != nil {
\t\tout["error"] = err.Error()
\t} else {
\t\tbody, _ := io.ReadAll(r.Body)
\t\tout["status"] = r.StatusCode
\t\tout["canary"] = r.Header.Get("X-Authlens-Canary")
\t\tout["error"] = fmt.Sprintf("%d %s", r.StatusCode, body)
\t}
\tline, _ := json.Marshal(out)
\tfmt.Println(string(line))
}
"""

PHP: Final = {
    "curl": (
        "<?php\n$ch = curl_init($argv[1]);\n"
        "curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);\ncurl_setopt($ch, CURLOPT_HEADER, true);\n"
        "$out = curl_exec($ch);\n"
        "if ($out === false) { echo json_encode(['status' => null, 'canary' => null,"
        " 'error' => curl_error($ch)]), \"\\n\"; exit; }\n"
        "preg_match('/^x-authlens-canary: *([A-Za-z0-9-]+)/mi', $out, $m);\n"
        "echo json_encode(['status' => curl_getinfo($ch, CURLINFO_RESPONSE_CODE),"
        " 'canary' => $m[1] ?? null, 'error' => $out]), \"\\n\";\n"
    ),
    "streams": (
        "<?php\nstream_context_set_option(stream_context_get_default(), 'http',"
        " 'ignore_errors', true);\n$body = @file_get_contents($argv[1]);\n"
        "if ($body === false) { echo json_encode(['status' => null, 'canary' => null,"
        " 'error' => error_get_last()['message'] ?? 'failed']), \"\\n\"; exit; }\n"
        '$headers = implode("\\n", $http_response_header);\n'
        "preg_match('/^HTTP\\\\/[0-9.]+ ([0-9]+)/', $http_response_header[0], $s);\n"
        "preg_match('/^x-authlens-canary: *([A-Za-z0-9-]+)/mi', $headers, $m);\n"
        "echo json_encode(['status' => (int)($s[1] ?? 0), 'canary' => $m[1] ?? null,"
        " 'error' => $body]), \"\\n\";\n"
    ),
}

RUBY: Final = """\
require 'net/http'
require 'json'
begin
  r = Net::HTTP.get_response(URI(ARGV[0]))
  puts JSON.generate({status: r.code.to_i, canary: r['x-authlens-canary'],
                      error: "#{r.code} #{r.body}"})
rescue => e
  puts JSON.generate({status: nil, canary: nil, error: "#{e.class}: #{e.message}"})
end
"""
