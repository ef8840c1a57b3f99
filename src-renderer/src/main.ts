import './zod-jitless';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles/base.css';
import App from './App.vue';
import { i18n } from './i18n';
import { followColorScheme } from './settings/theme';

followColorScheme();

createApp(App).use(createPinia()).use(i18n).use(ElementPlus).mount('#app');
