(window.mpgenSearch = window.mpgenSearch || {})[0] = {categories: ["咖啡"], rows: [["latte","拿铁","¥19.90",0,0,""],["americano","美式","¥15.00",0,0,""]]};
