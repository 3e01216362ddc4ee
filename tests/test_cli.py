from bounds.errors import MemcapError
from proofs import cli


def test_error_messages_print_literally(monkeypatch, capsys):
    def boom() -> None:
        raise MemcapError("install it with pip install 'memcap[onnx]'")

    monkeypatch.setattr(cli, "app", lambda **_: boom())
    assert cli.main([]) == MemcapError.exit_code
    assert "'memcap[onnx]'" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    assert cli.main(["no-such-command"]) == 2


def test_version():
    assert cli.main(["--version"]) == 0
