-- A real editor as the client: headless Neovim starts `karplint server` on a workspace,
-- opens a DaemonSet, waits for its diagnostics, applies the quick fix and checks the
-- buffer and that the diagnostics clear. Run by tests/editor.rs:
--   KARPLINT=path/to/karplint WORKSPACE=dir nvim --headless -u NONE -c 'luafile nvim.lua'
-- Works with Neovim 0.7 (Debian 12's) and later: it uses the APIs both have.
-- Exits 0 when every check passed, 1 (with the reason on stderr) otherwise.

local karplint = assert(os.getenv('KARPLINT'), 'KARPLINT is not set')
local workspace = assert(os.getenv('WORKSPACE'), 'WORKSPACE is not set')
-- How long to wait for the server before calling it hung (never reached when it works).
local HANG_MS = 60000

local function fail(message)
  io.stderr:write('nvim client: ' .. message .. '\n')
  vim.cmd('cquit 1')
end

local function code_of(diagnostic)
  if diagnostic.code then
    return diagnostic.code
  end
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp
  return lsp and lsp.code
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(workspace .. '/agent.yaml'))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'karplint',
    cmd = { karplint, 'server' },
    root_dir = workspace,
    workspace_folders = { { uri = vim.uri_from_fname(workspace), name = 'fixture' } },
  })
  if not client_id then
    return fail('the server did not start')
  end
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)

  -- The DaemonSet has no class: KDS001 at its pod template's `spec` (line 14).
  local found = vim.wait(HANG_MS, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  if not found then
    return fail('no diagnostics arrived')
  end
  local diagnostics = vim.diagnostic.get(buf)
  if #diagnostics ~= 1 then
    return fail('expected one diagnostic, got ' .. vim.inspect(diagnostics))
  end
  local diagnostic = diagnostics[1]
  if code_of(diagnostic) ~= 'KDS001' or diagnostic.lnum ~= 13 or diagnostic.col ~= 4 then
    return fail('expected KDS001 at 14:5, got ' .. vim.inspect(diagnostic))
  end
  if diagnostic.source ~= 'karplint' then
    return fail('unexpected source ' .. vim.inspect(diagnostic.source))
  end

  -- The quick fix, applied as Neovim applies any workspace edit.
  local params = vim.lsp.util.make_range_params()
  params.range = {
    start = { line = diagnostic.lnum, character = diagnostic.col },
    ['end'] = { line = diagnostic.end_lnum, character = diagnostic.end_col },
  }
  params.context = { diagnostics = {} }
  local response = client.request_sync('textDocument/codeAction', params, HANG_MS, buf)
  if not response or response.err then
    return fail('codeAction failed: ' .. vim.inspect(response))
  end
  local fix
  for _, action in ipairs(response.result or {}) do
    if action.title:match('^KDS001') then
      fix = action
    end
  end
  if not fix then
    return fail('no KDS001 quick fix in ' .. vim.inspect(response.result))
  end
  vim.lsp.util.apply_workspace_edit(fix.edit, 'utf-16')
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  if lines[15] ~= '      priorityClassName: node-agents' or lines[16] ~= '      containers:' then
    return fail('the fix did not land as expected: ' .. vim.inspect(lines))
  end

  -- Neovim sends the edit as an incremental change; the finding goes away.
  local cleared = vim.wait(HANG_MS, function()
    return #vim.diagnostic.get(buf) == 0
  end, 20)
  if not cleared then
    return fail('diagnostics not cleared: ' .. vim.inspect(vim.diagnostic.get(buf)))
  end

  -- Non-ASCII text: an unknown class `"é🚀-nowhere"` is reported up to the end of its
  -- value, which Neovim finds from the server's UTF-16 column (12 units, 16 bytes).
  local typed = '      priorityClassName: "é🚀-nowhere"'
  vim.api.nvim_buf_set_lines(buf, 14, 15, false, { typed })
  local unknown = vim.wait(HANG_MS, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if code_of(d) == 'KDS002' then
        return true
      end
    end
    return false
  end, 20)
  if not unknown then
    return fail('no KDS002 for an unknown class: ' .. vim.inspect(vim.diagnostic.get(buf)))
  end
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    -- Neovim's columns are bytes: the value starts after 25 ASCII bytes, ends the line.
    if code_of(d) == 'KDS002' and (d.lnum ~= 14 or d.col ~= 25 or d.end_col ~= #typed) then
      return fail('KDS002 at the wrong place: ' .. vim.inspect(d))
    end
  end

  client.stop()
  io.stdout:write('nvim client: all checks passed\n')
  vim.cmd('qall!')
end

local ok, err = pcall(run)
if not ok then
  fail(tostring(err))
end
