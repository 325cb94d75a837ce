-- User commands of lore. They are cheap to define; the work happens in lua/lore/init.lua.
if vim.g.loaded_lore then
  return
end
vim.g.loaded_lore = true

vim.api.nvim_create_user_command('LoreContext', function(command)
  require('lore').context({ query = command.args ~= '' and command.args or nil })
end, { nargs = '?', desc = 'lore: recommendation for the code under the cursor' })

vim.api.nvim_create_user_command('LoreSearch', function(command)
  require('lore').search(command.args)
end, { nargs = '+', desc = "lore: search the team's memory" })

vim.api.nvim_create_user_command('LoreExplain', function()
  require('lore').explain()
end, { nargs = 0, desc = 'lore: explain the lesson under the cursor' })

vim.api.nvim_create_user_command('LoreReview', function()
  require('lore').review()
end, { nargs = 0, desc = 'lore: review the candidate lessons mined from the team’s fixes' })
