"""SMS gateways (短信网关): an HTTP SMS API (Aliyun 短信服务's RPC interface) and a simulator."""
